#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tools/package-test.sh: e2msim as a Debian package, end to end (as root, on
# a machine that may be changed: it installs and purges the packages).
# Prints TAP, one line per check; tools/check.sh counts them.
#
#   1. make distcheck (in build-pkg/dist): the tarball builds, passes the
#      whole suite in a VPATH build from a read-only tree, installs and
#      uninstalls cleanly;
#   2. dpkg-buildpackage -us -uc -b from that tarball (a clean copy of the
#      tree: no build directory leaks in), DEB_BUILD_OPTIONS=nocheck;
#   3. lintian: no error;
#   4. the packages installed: every manual page found by man -w, the units
#      in place, accepted by systemd-analyze verify and rated at most 2.0 by
#      systemd-analyze security, their users made, their configurations
#      conffiles;
#   5. the demo's key agreement with the installed programs: the card
#      started as its unit starts it (ExecStart, User) from the installed
#      profile, with the example card.conf as the instance's options (vpcd's
#      second slot), next to a private pcscd (tools/pcsc-env.sh); e2msim-auc and
#      e2msim-auth from /usr/bin agree on RES and the E2M keys; then the
#      GSUP proxy's and the HSE's units' ExecStart as their users with the
#      shipped configurations: an MSC's SendAuthInfo through the proxy to a
#      real osmo-hlr, the keysets stored at the key service; the HSE's EDP
#      service answering --status through its control socket;
#   6. the packages purged: nothing of theirs left.
# Everything lands in build-pkg/; E2M_PKG_KEEP=1 leaves the packages installed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

packages=(e2msim e2msim-keyd e2msim-hse e2msim-gsup-proxy)
work="$E2M_TOP/build-pkg"
version=$(sed -n 's/^AC_INIT(\[e2msim\], \[\([^]]*\)\].*/\1/p' "$E2M_TOP/configure.ac")
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - package: $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - package: $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# show FILE: the last lines of a log, as TAP comments
show() { tail -"${2:-30}" "$1" | sed 's/^/#   /'; }
finish() { echo "1..$n"; [ "$failed" -eq 0 ]; exit; }
quiet() { "$@" >/dev/null 2>&1; }
# purge: the packages (and their debug symbols, if someone installed them)
purge() { dpkg --purge "${packages[@]/%/-dbgsym}" "${packages[@]}" >>"$work/purge.log" 2>&1; }

# ---- 5, inside tools/pcsc-env.sh: the key agreement with installed programs ----
if [ "${1:-}" = --agreement ]; then
	unit=/lib/systemd/system/e2msim-card@.service
	state=$2
	hse=hse.mnc001.mcc001.pub.3gppnetwork.org
	field() { awk -v k="$1" '$1 == k { print $NF; exit }' "$2"; }
	# unit_exec UNIT INSTANCE: the unit's ExecStart as systemd runs it, one
	# word a line: %i the instance, %S and %t our state and runtime roots,
	# $VAR and ${VAR} from its EnvironmentFile (with "-": may be absent).
	# Fails when a required EnvironmentFile is missing.
	unit_exec() {
		local unit=$1 inst=$2 envf optional=
		envf=$(sed -n 's/^EnvironmentFile=//p' "$unit" | sed "s/%i/$inst/g")
		[ "${envf#-}" != "$envf" ] && { optional=1; envf=${envf#-}; }
		[ -z "$envf" ] || [ -f "$envf" ] || [ -n "$optional" ] || return 1
		(
			set -a +u	# an unset variable is empty, as for systemd
			[ -z "$envf" ] || ! [ -f "$envf" ] || . "$envf"
			eval "printf '%s\\n' $(sed -n 's/^ExecStart=//p' "$unit" |
				sed -e "s/%i/$inst/g" -e "s|%S|$state|g" -e "s|%t|$state/run|g")"
		)
	}
	# unit_dir UNIT DIR: DIR made as systemd makes the unit's State- or
	# RuntimeDirectory, owned by the unit's user, mode 0700
	unit_dir() {
		mkdir -p "$2" && chown "$(sed -n 's/^User=//p' "$1"):" "$2" && chmod 0700 "$2"
	}
	# the card's own command line, the profile "example", with the example
	# of an instance's options as its card-example.conf: vpcd's second slot,
	# PC/SC reader 1
	cp /usr/share/e2msim/examples/card.conf /etc/e2msim/card-example.conf
	mapfile -t cmd < <(unit_exec "$unit" example)
	rm -f /etc/e2msim/card-example.conf
	reader=1
	exec_line=${cmd[*]}
	user=$(sed -n 's/^User=//p' "$unit")
	unit_dir "$unit" "$state/e2msim-card"
	setpriv --reuid "$user" --regid "$user" --init-groups -- "${cmd[@]}" 2>"$state/card.log" &
	card=$!
	present=0
	for _ in $(seq 1 100); do
		/usr/bin/e2msim-apdu --list 2>/dev/null | grep -q "^$reader: .*\\[card\\]" && { present=1; break; }
		sleep 0.1
	done
	if [ "$present" = 1 ]; then
		echo "ok - package: the installed card ($exec_line, as $user; its options from card-example.conf) is in reader $reader"
	else
		echo "not ok - package: the installed card ($exec_line, as $user) is not in reader $reader"
		sed 's/^/#   /' "$state/card.log"
	fi
	profile=/usr/share/e2msim/profiles/example.json
	/usr/bin/e2msim-auc --profile "$profile" --seq 1 --eid "$hse" >"$state/hss" 2>&1
	/usr/bin/e2msim-auth --reader "$reader" --pin 1234 --context e2m --eid "$hse" \
		--rand "$(field RAND: "$state/hss")" --autn "$(field AUTN: "$state/hss")" >"$state/dev" 2>&1
	hss_int=$(awk '$1 == "K_E2M_int" && $2 == "(A-D):" { print $3 }' "$state/hss")
	hss_enc=$(awk '$1 == "K_E2M_enc" && $2 == "(A-D):" { print $3 }' "$state/hss")
	if [ -n "$hss_int" ] && [ -n "$hss_enc" ] &&
	   [ "$hss_int" = "$(field k_e2m_int "$state/dev")" ] &&
	   [ "$hss_enc" = "$(field k_e2m_enc "$state/dev")" ] &&
	   [ "$(field E2M-KID: "$state/hss")" = "$(field e2m_kid "$state/dev")" ] &&
	   [ "$(field XRES: "$state/hss")" = "$(field res "$state/dev")" ]; then
		echo "ok - package: /usr/bin/e2msim-auc and e2msim-auth on the installed card agree on RES, K_E2M_int, K_E2M_enc and E2M-KID"
	else
		echo "not ok - package: the installed e2msim-auc and the card through e2msim-auth disagree"
		sed 's/^/#   hss: /' "$state/hss"
		sed 's/^/#   device: /' "$state/dev"
		sed 's/^/#   card: /' "$state/card.log"
	fi
	kill -TERM "$card" 2>/dev/null
	wait "$card"
	rc=$?
	if [ "$rc" = 0 ] && [ -s "$state/e2msim-card/example.state" ]; then
		echo "ok - package: the card kept its state in the unit's StateDirectory and stopped cleanly on SIGTERM"
	else
		echo "not ok - package: the card's state (exit $rc): $(ls -l "$state/e2msim-card" 2>&1 | tr '\n' ' ')"
	fi

	# The shipped configurations at work (this namespace has its own
	# loopback): the key service with /etc/e2msim/keyd.json (its store
	# moved here) as its user, the HSS of e2msim-auc with the example
	# hss.json pushing variant A's keyset to it, e2msim-hse fetching it.
	conf="$state/etc"
	mkdir -p "$conf/tls"
	"$E2M_TOP/tools/keyd-certs.sh" "$state/pki" "$hse" >/dev/null 2>&1
	cp "$state/pki/hse-store.pem" "$conf/tls/keyd.pem"
	cp "$state/pki/hse-store.key" "$conf/tls/keyd.key"
	cp "$state/pki/hss.example.net.pem" "$conf/tls/hss.pem"
	cp "$state/pki/hss.example.net.key" "$conf/tls/hss.key"
	cp "$state/pki/ca.pem" "$conf/tls/ca.pem"
	jq --arg db "$state/keyd/keyd.db" '.store.path = $db' /etc/e2msim/keyd.json >"$conf/keyd.json"
	cp /usr/share/e2msim/examples/hss.json "$conf/hss.json"
	mkdir -p "$state/keyd"
	chown -R _e2msim-keyd: "$state/keyd" "$conf"
	chmod 0755 "$state"
	setpriv --reuid _e2msim-keyd --regid _e2msim-keyd --init-groups -- \
		/usr/sbin/e2msim-keyd --config "$conf/keyd.json" >"$state/keyd.out" 2>"$state/keyd.log" &
	keyd=$!
	for _ in $(seq 1 100); do grep -q listening "$state/keyd.out" && break; sleep 0.05; done
	/usr/bin/e2msim-auc --profile "$profile" --seq 2 --eid "$hse" --hss "$conf/hss.json" --variant A \
		>"$state/hss2" 2>&1
	/usr/sbin/e2msim-hse --keyd https://127.0.0.1:7441 --cert "$state/pki/$hse.pem" \
		--key "$state/pki/$hse.key" --ca "$state/pki/ca.pem" --kid "$(field E2M-KID: "$state/hss2")" \
		>"$state/hse" 2>&1
	hss_int=$(awk '$1 == "K_E2M_int" && $2 == "(A-D):" { print $3 }' "$state/hss2")
	if grep -q 'listening on 127.0.0.1:7441' "$state/keyd.out" && grep -q '^Pushed (A)' "$state/hss2" &&
	   [ -n "$hss_int" ] && grep -q "^K_E2M_int: *$hss_int\$" "$state/hse"; then
		echo "ok - package: e2msim-keyd with /etc/e2msim/keyd.json took the keyset e2msim-auc pushed with the example hss.json; e2msim-hse fetched the same K_E2M_int"
	else
		echo "not ok - package: the installed key service, HSS and HSE with the shipped configurations"
		for f in keyd.out keyd.log hss2 hse; do sed "s/^/#   $f: /" "$state/$f"; done
	fi

	# The GSUP proxy's unit with the shipped gsup-proxy.conf and hss.json:
	# the HSS's TLS files where that file names them (removed after), a real
	# osmo-hlr on its port 4222 with the example subscriber, an MSC
	# (tests/gsup-client) on the proxy's port asking for AVs.
	unit=/lib/systemd/system/e2msim-gsup-proxy.service
	user=$(sed -n 's/^User=//p' "$unit")
	tls=/etc/e2msim/tls
	cp "$state/pki/hss.example.net.pem" "$tls/hss.pem"
	cp "$state/pki/hss.example.net.key" "$tls/hss.key"
	cp "$state/pki/ca.pem" "$tls/ca.pem"
	chgrp "$user" "$tls/hss.key"
	chmod 0640 "$tls/hss.key"
	mkdir -p "$state/hlr"
	e2m_osmo_hlr_start "$state/hlr"
	hlr=$e2m_osmo_hlr_pid
	imsi=$(jq -r .imsi /etc/e2msim/profiles/example.json)
	/usr/bin/e2msim-hlr-provision --vty 127.0.0.1:4258 /etc/e2msim/profiles/example.json \
		>"$state/provision.log" 2>&1
	provisioned=$?
	proxy=
	if mapfile -t cmd < <(unit_exec "$unit" "") && [ ${#cmd[@]} -gt 0 ]; then
		setpriv --reuid "$user" --regid "$user" --init-groups -- "${cmd[@]}" 2>"$state/proxy.log" &
		proxy=$!
		for _ in $(seq 1 100); do grep -q 'listening on' "$state/proxy.log" && break; sleep 0.05; done
	fi
	exec_line=${cmd[*]}
	listen=$(. /etc/e2msim/gsup-proxy.conf && echo "$E2MSIM_GSUP_LISTEN")
	with_e2m=$(jq -s '[.[] | select(.e2m.enabled)] | length' /etc/e2msim/profiles/*.json)
	if [ -n "$proxy" ] &&
	   grep -q "listening on $listen, HLR 127.0.0.1:4222, $with_e2m subscribers with E2M, variant A" "$state/proxy.log"; then
		echo "ok - package: the installed proxy ($exec_line, as $user) listens on $listen with the shipped configuration"
	else
		echo "not ok - package: the installed proxy ($exec_line, as $user) with the shipped configuration"
		sed 's/^/#   proxy: /' "$state/proxy.log"
	fi
	timeout 30 "$E2M_BUILD/tests/gsup-client" --server "$listen" --name MSC-00-00-00-00-00-01 --timeout 10 \
		sai "$imsi" >"$state/sai" 2>"$state/sai.err"
	if [ "$provisioned" = 0 ] && grep -q "^RESULT $imsi\$" "$state/sai" && grep -q '^AV 0 RAND ' "$state/sai" &&
	   grep -q "IMSI $imsi: variant A: 5 of 5 keysets stored" "$state/proxy.log"; then
		echo "ok - package: an MSC's SendAuthInfo through the installed proxy answered by osmo-hlr ($(grep -c '^AV ' "$state/sai") AVs), their keysets stored at the key service"
	else
		echo "not ok - package: SendAuthInfo through the installed proxy and osmo-hlr"
		for f in provision.log sai sai.err proxy.log hlr/hlr.log; do sed "s|^|#   $f: |" "$state/$f"; done
	fi
	rc=
	if [ -n "$proxy" ]; then
		kill -TERM "$proxy" 2>/dev/null
		wait "$proxy"
		rc=$?
	fi
	check_stop() {	# NAME RC
		if [ "$2" = 0 ]; then
			echo "ok - package: the installed $1 stopped cleanly on SIGTERM"
		else
			echo "not ok - package: the installed $1 on SIGTERM: exit ${2:-none}"
		fi
	}
	check_stop proxy "$rc"
	kill -TERM "$hlr" 2>/dev/null
	wait "$hlr"

	# The HSE's unit with the shipped hse.conf: its endpoint's TLS files
	# where it names them, its state and control socket in the unit's
	# directories; it answers --status through that socket.
	unit=/lib/systemd/system/e2msim-hse.service
	user=$(sed -n 's/^User=//p' "$unit")
	cp "$state/pki/$hse.pem" "$tls/hse.pem"
	cp "$state/pki/$hse.key" "$tls/hse.key"
	chgrp "$user" "$tls/hse.key"
	chmod 0640 "$tls/hse.key"
	unit_dir "$unit" "$state/e2msim-hse"
	unit_dir "$unit" "$state/run/e2msim-hse"
	hse_pid=
	if mapfile -t cmd < <(unit_exec "$unit" "") && [ ${#cmd[@]} -gt 0 ]; then
		setpriv --reuid "$user" --regid "$user" --init-groups -- "${cmd[@]}" \
			>"$state/hse-unit.out" 2>"$state/hse-unit.log" &
		hse_pid=$!
		for _ in $(seq 1 100); do grep -q 'EDP listening' "$state/hse-unit.log" && break; sleep 0.05; done
	fi
	exec_line=${cmd[*]}
	listen=$(. /etc/e2msim/hse.conf && echo "$E2MSIM_HSE_LISTEN")
	/usr/sbin/e2msim-hse --status --control "$state/run/e2msim-hse/control" >"$state/hse-status" 2>&1
	status_rc=$?
	if [ -n "$hse_pid" ] && grep -q "EDP listening on $listen, 0 keyset(s) held" "$state/hse-unit.log" &&
	   [ "$status_rc" = 0 ] && [ "$(jq -c '[.accepted, .keysets]' "$state/hse-status" 2>/dev/null)" = '[0,0]' ] &&
	   [ "$(stat -c '%U %a' "$state/run/e2msim-hse/control")" = "$user 600" ] &&
	   [ -f "$state/e2msim-hse/hse.db" ]; then
		echo "ok - package: the installed HSE ($exec_line, as $user) serves EDP on $listen, its state in the StateDirectory, and answers --status through its control socket: $(cat "$state/hse-status")"
	else
		echo "not ok - package: the installed HSE ($exec_line, as $user) with the shipped configuration (--status: exit $status_rc)"
		for f in hse-unit.log hse-status; do sed "s|^|#   $f: |" "$state/$f"; done
		ls -l "$state/run/e2msim-hse" "$state/e2msim-hse" 2>&1 | sed 's/^/#   /'
	fi
	rc=
	if [ -n "$hse_pid" ]; then
		kill -TERM "$hse_pid" 2>/dev/null
		wait "$hse_pid"
		rc=$?
	fi
	check_stop HSE "$rc"
	rm -f "$tls/hss.pem" "$tls/hss.key" "$tls/ca.pem" "$tls/hse.pem" "$tls/hse.key"

	kill -TERM "$keyd" 2>/dev/null
	wait "$keyd"
	/usr/sbin/e2msim-hse --edp-listen 127.0.0.1:0 --state "$state/hse.db" \
		--keyset-file /usr/share/e2msim/examples/keysets.json 2>"$state/hse-edp.log" &
	hse_pid=$!
	for _ in $(seq 1 100); do grep -q 'EDP listening' "$state/hse-edp.log" && break; sleep 0.05; done
	kill -TERM "$hse_pid" 2>/dev/null
	wait "$hse_pid"
	if grep -q '1 keyset(s) held' "$state/hse-edp.log"; then
		echo "ok - package: e2msim-hse --edp-listen holds the keyset of the example keysets.json"
	else
		echo "not ok - package: e2msim-hse with the example keysets.json"
		sed 's/^/#   /' "$state/hse-edp.log"
	fi
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP package-test.sh needs root (it installs and purges packages)"
	exit 0
fi
if ! e2m_install_deps >/dev/null || ! e2m_install_packages "${E2M_DEB_PACKAGING[@]}" >/dev/null; then
	not_ok "cannot install the packaging tools (${E2M_DEB_PACKAGING[*]})"
	finish
fi
rm -rf "$work"
mkdir -p "$work/dist" "$work/deb"

# ---- 1. make distcheck ----
(
	cd "$E2M_TOP" && { [ -x configure ] && ! [ configure.ac -nt configure ] || ./autogen.sh; } &&
	cd "$work/dist" && "$E2M_TOP/configure" &&
	E2M_CRASH_KILLS=${E2M_CRASH_KILLS:-40} make -j"$(nproc)" distcheck
) >"$work/distcheck.log" 2>&1
distcheck_rc=$?
tarball="$work/dist/e2msim-$version.tar.gz"
if [ "$distcheck_rc" = 0 ] && grep -q "e2msim-$version archives ready for distribution" "$work/distcheck.log"; then
	ok "make distcheck (the whole suite in a VPATH build of the tarball, install, uninstall)"
else
	not_ok "make distcheck failed"
	grep -E '^(FAIL|ERROR):' "$work/distcheck.log" | sed 's/^/#   /'
	show "$work/distcheck.log"
	[ -f "$tarball" ] || (cd "$work/dist" && make dist) >>"$work/distcheck.log" 2>&1
fi
if ! [ -f "$tarball" ]; then
	not_ok "no tarball $tarball to build the packages from"
	finish
fi

# ---- 2. dpkg-buildpackage from the tarball ----
tar -C "$work/deb" -xzf "$tarball"
(
	cd "$work/deb/e2msim-$version" &&
	DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b
) >"$work/build.log" 2>&1
build_rc=$?
debs=()
for p in "${packages[@]}"; do
	f=$(ls "$work/deb/${p}_${version}_"*.deb 2>/dev/null | head -1)
	[ -n "$f" ] && debs+=("$f")
done
if [ "$build_rc" = 0 ] && [ ${#debs[@]} = ${#packages[@]} ]; then
	ok "dpkg-buildpackage -us -uc -b builds ${packages[*]}"
else
	not_ok "dpkg-buildpackage failed (exit $build_rc; ${#debs[@]} of ${#packages[@]} packages)"
	show "$work/build.log"
	finish
fi

# ---- 3. lintian ----
changes=$(ls "$work/deb/e2msim_${version}_"*.changes | head -1)
lintian --fail-on error --display-info --tag-display-limit 0 "$changes" >"$work/lintian.log" 2>&1
lintian_rc=$?
summary=$(awk '{ print $1 }' "$work/lintian.log" | grep -E '^[EWIP]:$' | sort | uniq -c | tr -s ' \n' ' ')
if [ "$lintian_rc" = 0 ] && ! grep -q '^E: ' "$work/lintian.log"; then
	ok "lintian: no error (${summary:-no tags})"
else
	not_ok "lintian: errors (${summary})"
	grep '^E: ' "$work/lintian.log" | sed 's/^/#   /'
fi
sed 's/^/#   /' "$work/lintian.log"

# ---- 4. installed ----
purge
# (minimal images tell dpkg not to install manual pages: these it must)
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--path-include='/usr/share/man/*' \
	"${debs[@]}" >"$work/install.log" 2>&1; then
	ok "apt-get install of the four packages"
else
	not_ok "apt-get install of the packages failed"
	show "$work/install.log"
	finish
fi
pages=$(dpkg -L "${packages[@]}" | sed -n 's|^/usr/share/man/man[18]/\(.*\)\.[18]\.gz$|\1|p' | sort)
missing=
for p in $pages; do man -w "$p" >/dev/null 2>&1 || missing="$missing $p"; done
check "man -w finds the installed pages ($(echo $pages | tr ' ' ','))${missing:+; not:$missing}" \
	test -n "$pages" -a -z "$missing" -a "$(man -w e2msim-card)" = /usr/share/man/man8/e2msim-card.8.gz
programs=$(dpkg -L "${packages[@]}" | grep -E '^/usr/s?bin/' | xargs -n1 basename | sort | tr '\n' ' ')
check "every installed program has its page (${programs% })" \
	test "$programs" = "$(echo $pages | tr ' ' '\n' | sort | tr '\n' ' ')"
units=(e2msim-card@.service e2msim-keyd.service e2msim-gsup-proxy.service e2msim-hse.service)
users=(_e2msim _e2msim-keyd _e2msim-gsup-proxy _e2msim-hse)
missing=
for u in "${units[@]}"; do [ -f "/lib/systemd/system/$u" ] || missing="$missing $u"; done
check "the units are installed (${units[*]})${missing:+; not:$missing}" test -z "$missing"
check "the users ${users[*]} exist" quiet getent passwd "${users[@]}"
check "the example profiles are in /usr/share/e2msim and /etc/e2msim, keyd.json, hss.json, gsup-proxy.conf and hse.conf in /etc/e2msim" \
	test -s /usr/share/e2msim/profiles/example.json -a -s /etc/e2msim/profiles/example.json \
	-a -s /etc/e2msim/keyd.json -a -s /usr/share/e2msim/examples/hss.json -a -s /etc/e2msim/hss.json \
	-a -s /etc/e2msim/gsup-proxy.conf -a -s /etc/e2msim/hse.conf -a -s /usr/share/e2msim/examples/card.conf
check "the configurations of the units are conffiles" \
	test "$(dpkg-query -W -f='${Conffiles}\n' e2msim-keyd e2msim-gsup-proxy e2msim-hse | awk 'NF { print $1 }' | sort | tr '\n' ' ')" \
	= "/etc/e2msim/gsup-proxy.conf /etc/e2msim/hse.conf /etc/e2msim/hss.json /etc/e2msim/keyd.json "
# a template is verified through an instance of it
mkdir -p "$work/units"
verified=()
for u in "${units[@]}"; do
	v=${u/@./@example.}
	cp "/lib/systemd/system/$u" "$work/units/$v"
	verified+=("$v")
done
if SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "${verified[@]/#/$work/units/}" \
	>"$work/verify.log" 2>&1 && ! grep -q 'e2msim' "$work/verify.log"; then
	ok "systemd-analyze verify accepts ${verified[*]}"
else
	not_ok "systemd-analyze verify complains"
	show "$work/verify.log"
fi
# systemd's own measure of the hardening: 0 (sealed) to 10 (exposed)
exposures= low=1
for u in "${verified[@]}"; do
	e=$(systemd-analyze security --offline=true "$work/units/$u" 2>/dev/null |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	exposures="$exposures $u ${e:-unknown}"
	awk -v e="${e:-99}" 'BEGIN { exit !(e <= 2.0) }' || low=0
done
check "systemd-analyze security: exposure at most 2.0 of 10 ($exposures )" test "$low" = 1

# ---- 5. the key agreement with the installed programs ----
# (the MSC of the proxy's check: osmo-hlr's libosmo-gsup-client, a test
# program of the build tree)
make -C "$E2M_BUILD/tests" gsup-client >"$work/gsup-client.log" 2>&1 ||
	not_ok "cannot build tests/gsup-client for the proxy's check"
"$E2M_TOP/tools/pcsc-env.sh" -- "$E2M_TOP/tools/package-test.sh" --agreement "$work/state" >"$work/agreement.out" 2>&1
while IFS= read -r line; do
	case "$line" in
	"ok - package: "*) ok "${line#ok - package: }" ;;
	"not ok - package: "*) not_ok "${line#not ok - package: }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$work/agreement.out"
grep -q '^ok - package: /usr/bin/e2msim-auc' "$work/agreement.out" ||
	{ not_ok "no key agreement result"; show "$work/agreement.out"; }

# ---- 6. purged ----
if [ "${E2M_PKG_KEEP:-0}" = 1 ]; then
	finish
fi
purge
left=$(ls -d /etc/e2msim /usr/share/e2msim /lib/systemd/system/e2msim* /usr/share/man/man[18]/e2msim* \
	/usr/bin/e2msim* /usr/sbin/e2msim* 2>/dev/null | tr '\n' ' ')
check "dpkg --purge leaves nothing behind${left:+: $left}" \
	test -z "$left" -a -z "$(dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | grep ' installed')"
finish
