# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the tools/ scripts (and the tests that start osmo-hlr or a key
# service): Debian packages, the build, a private osmo-hlr, and the key
# service's and the HSS's test configurations.

E2M_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E2M_BUILD="$E2M_TOP/build"

# Everything the build, the tests and the demo need, from Debian bookworm.
E2M_DEB_PACKAGES=(
	build-essential autoconf automake libtool pkg-config
	libosmocore-dev libpcsclite-dev libssl-dev libsqlite3-dev libjansson-dev libcmocka-dev
	libmicrohttpd-dev libgnutls28-dev libcurl4-gnutls-dev libpq-dev	# keyd/
	gnutls-bin curl jq postgresql	# certtool, the keyd tests and keyflow.sh, keyd's PostgreSQL store
	libosmocore-utils	# osmo-auc-gen: the independent AuC of tests/integration/test_auc_tool.sh
	osmo-hlr libosmo-gsup-client-dev libosmo-abis-dev osmo-msc osmo-sgsn	# gsup/: the GSUP proxy and its tests against a real osmo-hlr
	pcscd pcsc-tools vsmartcard-vpcd
	iproute2 util-linux procps
	man-db	# man --warnings: tests/integration/test_man.sh
	clang libclang-rt-14-dev llvm-14	# tools/fuzz.sh: libFuzzer, llvm-symbolizer
)

# What tools/package-test.sh needs besides: Debian's packaging tools,
# systemd-analyze for the units.
E2M_DEB_PACKAGING=(debhelper dpkg-dev fakeroot lintian systemd)

e2m_install_deps() {
	e2m_install_packages "${E2M_DEB_PACKAGES[@]}"
}

# e2m_install_packages PACKAGE...: installs those of them that are missing.
e2m_install_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
		return 1
	fi
	echo "Installing Debian packages: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# e2m_build [CONFIGURE OPTIONS...]: configure (once, or when the options
# change) and build in $E2M_BUILD.
e2m_build() {
	local opts="$*"
	(
		cd "$E2M_TOP"
		if ! [ -x configure ] || [ configure.ac -nt configure ]; then
			./autogen.sh >/dev/null
		fi
		mkdir -p "$E2M_BUILD"
		cd "$E2M_BUILD"
		if [ ! -f Makefile ] || [ "$(cat .configure-opts 2>/dev/null)" != "$opts" ]; then
			# shellcheck disable=SC2086
			../configure $opts >configure.out 2>&1 || { cat configure.out; exit 1; }
			make clean >/dev/null 2>&1	# objects of other flags must not mix
			echo "$opts" >.configure-opts
		fi
		make -j"$(nproc)" >make.out 2>&1 || { tail -50 make.out; exit 1; }
	)
}

# e2m_hse_store_json PKI DB [MEMBERS]: the configuration of e2msim-keyd as
# the HSE's store on 127.0.0.1:7441, its SQLite store DB, with the test PKI
# of tools/keyd-certs.sh in PKI (the HSS hss.example.net may push); MEMBERS
# (JSON members) are added.
e2m_hse_store_json() {
	cat <<JSON
{ "role": "hse-store", "listen": "127.0.0.1:7441",
  "tls": { "cert": "$1/hse-store.pem", "key": "$1/hse-store.key", "ca": "$1/ca.pem" },
  "store": { "backend": "sqlite", "path": "$2" },
  "network_peers": [ "hss.example.net" ]${3:+, $3} }
JSON
}

# e2m_hss_tls_json PKI: the "tls" member of an HSS file (e2msim-auc --hss,
# e2msim-gsup-proxy --hss) as hss.example.net of that test PKI.
e2m_hss_tls_json() {
	printf '"tls": { "cert": "%s/hss.example.net.pem", "key": "%s/hss.example.net.key", "ca": "%s/ca.pem" }' \
		"$1" "$1" "$1"
}

# e2m_osmo_hlr_start DIR [LOGGING]: Debian's osmo-hlr with its own
# configuration and database in DIR (VTY 127.0.0.1:4258, GSUP
# 127.0.0.1:4222; its log, at "logging level LOGGING", default "main
# notice", appended to DIR/hlr.log). Returns once its VTY answers (10 s at most);
# its pid in e2m_osmo_hlr_pid. Started again on the same DIR, it keeps the
# database.
e2m_osmo_hlr_start() {
	local dir=$1 level=${2:-main notice}
	cat >"$dir/hlr.cfg" <<CFG
log stderr
 logging filter all 1
 logging color 0
 logging print category 1
 logging level $level
line vty
 bind 127.0.0.1
hlr
 gsup
  bind ip 127.0.0.1
CFG
	osmo-hlr -c "$dir/hlr.cfg" -l "$dir/hlr.db" >>"$dir/hlr.log" 2>&1 &
	e2m_osmo_hlr_pid=$!
	for _ in $(seq 1 100); do
		{ exec 4<>/dev/tcp/127.0.0.1/4258; } 2>/dev/null && { exec 4<&-; return 0; }
		sleep 0.1
	done
	return 1
}
