#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# e2msim-probe and e2msim-compare through pcscd + vpcd: two cards of two
# profiles differ in exactly the files their profiles do; a card's profile
# (--profile-out, no keys) makes a twin with no difference in any file; a
# wrong or nearly blocked PIN1 costs at most one try; an empty reader, a
# card that answers garbage and a mute card each give one line on stderr
# and exit status 2. A twin with --aka-reader runs AKA on its physical card
# (an e2msim card with keys on the second vpcd reader).
E2M_PCSC_READERS=2
. "$(dirname "$0")/../helpers/pcsc-test.sh"

work=$(mktemp -d)
probe="$top_builddir/probe/e2msim-probe"
compare="$top_builddir/probe/e2msim-compare"
apdu="$top_builddir/tools/e2msim-apdu"
wait_slot() { "$top_builddir/tests/pcsc-wait" "$1" "$2" 10; }
# start_card SLOT PROFILE: e2msim-card on vpcd slot SLOT, its pid in pid_SLOT
start_card() {
	"$top_builddir/usim/e2msim-card" --profile "$2" --state "$work/state$1" \
		--vpcd "127.0.0.1:$((35963 + $1))" >>"$work/card$1.log" 2>&1 &
	eval "pid_$1=$!"
	wait_slot "$1" present
}
stop_card() {
	local pid
	eval "pid=\$pid_$1"
	kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	wait_slot "$1" absent
}
# one_line_exit2 DESCRIPTION PATTERN COMMAND...: exit status 2, and stderr
# is one line that matches PATTERN
one_line_exit2() {
	local desc=$1 pattern=$2 rc; shift 2
	"$@" >"$work/out" 2>"$work/err"; rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "$pattern" "$work/err"; then
		tap_ok "$desc: $(cat "$work/err")"
	else
		tap_fail "$desc (exit $rc)"; sed 's/^/#   /' "$work/err"
	fi
}
# pin1_status SLOT: the status word of VERIFY PIN1 without data
pin1_status() { "$apdu" --reader "$1" 00200001 | awk '{print $1}'; }

A="$top_srcdir/tests/profiles/script.json"
B="$top_srcdir/tests/profiles/probe-b.json"
start_card 0 "$A" && start_card 1 "$B" || { tap_fail "both cards appear"; tap_done; exit; }

# --- a walk ---
"$probe" 0 --pin1 1234 --json >"$work/a.json"; rc=$?
tap_check "probe: exit status 0 ($rc)" [ "$rc" -eq 0 ]
tap_check "probe: IMSI read after PIN1 (TS 31.102 4.2.2)" \
	[ "$(jq -r '.files["ADF.USIM/EF.IMSI"].contents' "$work/a.json")" = 080910100000000010 ]
tap_check "probe: EF.SMS is 10 records of 176 octets, SFI-less, read" \
	[ "$(jq -c '.files["DF.TELECOM/EF.SMS"] | [.records, .record_size, .sfi, .read]' "$work/a.json")" = '[10,176,0,"9000"]' ]
tap_check "probe: the USIM application of EF.DIR" \
	[ "$(jq -r '.applications[0].label' "$work/a.json")" = USIM ]
tap_check "probe: no DF.E2M on a card without E2M, no DF.5GS ('6A82')" \
	[ "$(jq -r '.files["ADF.USIM/DF.E2M"].select' "$work/a.json")" = 6A82 ] \
	&& [ "$(jq -r '.files["ADF.USIM/DF.5GS/EF.SUCI_Calc_Info"].select' "$work/a.json")" = 6A82 ]
tap_check "probe: no ADF.ISIM walked, EF.DIR names none" \
	[ "$(jq -r '.files | has("ADF.ISIM")' "$work/a.json")" = false ]
tap_check "probe: nothing written: EF.LOCI and the PIN1 counter as before" \
	[ "$(jq -r '.files["ADF.USIM/EF.LOCI"].contents' "$work/a.json")" = fffffffffffffffffeff01 ] \
	&& [ "$(pin1_status 0)" = 63C3 ]

"$probe" 0 --pin1 1234 --adm1 88888888 --json >"$work/adm.json"
tap_check "probe --adm1: ADM1 verified after '63CA' (10 tries)" \
	[ "$(jq -c '[.adm1_verified, .steps[2].command, .steps[2].sw, .steps[3].sw]' "$work/adm.json")" = '[true,"VERIFY ADM1 (no data)","63CA","9000"]' ]
"$probe" 0 --adm1 87654321 --json >"$work/admx.json"
tap_check "probe, wrong --adm1: one ADM1 try used (63C9), without PIN1 no PIN1 file read" \
	[ "$(jq -c '[.adm1_tries, .adm1_verified, .files["ADF.USIM/EF.IMSI"].read]' "$work/admx.json")" = '[9,false,"6982"]' ] \
	&& [ "$("$apdu" --reader 0 0020000a | awk '{print $1}')" = 63C9 ]
"$probe" 0 --adm1 88888888 >/dev/null

# --- two profiles: the differences are the profiles' ---
"$compare" 0 1 --pin1 1234 --repeat 2 --json >"$work/ab.json"; rc=$?
tap_check "compare A B: exit status 1 ($rc)" [ "$rc" -eq 1 ]
jq -r '.differences[] | "\(.what) \(.field)"' "$work/ab.json" | sort >"$work/ab.got"
sort >"$work/ab.want" <<'WANT'
ADF.USIM/EF.FPLMN contents
ADF.USIM/EF.MSISDN contents
ADF.USIM/EF.SPN contents
DF.GSM/EF.FPLMN contents
DF.GSM/EF.SPN contents
DF.TELECOM/EF.MSISDN contents
EF.ICCID contents
WANT
if diff -u "$work/ab.want" "$work/ab.got" >"$work/ab.diff"; then
	tap_ok "compare A B: exactly the files of iccid, msisdn, spn and fplmn differ"
else
	tap_fail "compare A B: exactly the files of iccid, msisdn, spn and fplmn differ"
	sed 's/^/#   /' "$work/ab.diff"
fi
tap_check "compare A B: the SPN as each card has it" \
	[ "$(jq -r '.differences[] | select(.what == "ADF.USIM/EF.SPN") | .b' "$work/ab.json")" = 0165326d73696d207477696effffffffff ]
"$compare" 0 0 --pin1 1234 --repeat 3 --timing >"$work/aa.txt"; rc=$?
tap_check "compare A A: exit status 0 and no difference ($rc)" \
	[ "$rc" -eq 0 ] && [ "$(tail -1 "$work/aa.txt")" = "0 differences" ]
tap_check "compare --timing: a median of both cards for each SELECT and READ ($(grep -c '^time ' "$work/aa.txt") lines)" \
	[ "$(grep -c '^time .* SELECT ' "$work/aa.txt")" -ge 60 ] && [ "$(grep -c '^time .* READ ' "$work/aa.txt")" -ge 50 ]

# --- the twin: probe, profile, new card, no difference ---
"$probe" 0 --pin1 1234 --profile-out "$work/twin.json" >/dev/null; rc=$?
tap_check "probe --profile-out: exit status 0 ($rc)" [ "$rc" -eq 0 ]
tap_check "the profile has no keys, the card's ICCID and IMSI, and sizes" \
	[ "$(jq -c '[has("ki"), has("opc"), .iccid, .imsi, .files["DF.TELECOM/EF.ADN"].records, .files["ADF.USIM/EF.FPLMN"].size]' "$work/twin.json")" = '[false,false,"8900101000000000001","001010000000001",10,60]' ]
stop_card 1
# a twin of other sizes than the table's: EF.FPLMN of 4 entries, 3 ADN records of 30
jq '.files["ADF.USIM/EF.FPLMN"] = {"size": 12, "contents": "00f120"}
    | .files["DF.TELECOM/EF.ADN"] = {"record_size": 30, "records": 3, "contents": []}' \
	"$work/twin.json" >"$work/small.json"
start_card 1 "$work/small.json"
"$compare" 0 1 --pin1 1234 --repeat 1 --json >"$work/small.diff"
tap_check "a profile's sizes and record counts: the card shows them in its FCP" \
	[ "$(jq -c '[.differences[] | select(.field == "size" or .field == "records" or .field == "record size") | .b] | sort' "$work/small.diff")" = '["12","12","3","30","90"]' ]
stop_card 1
start_card 1 "$work/twin.json"
"$compare" 0 1 --pin1 1234 --repeat 2 --script "$top_srcdir/tests/scripts/me-startup.apdu" \
	>"$work/twin.txt"; rc=$?
tap_check "compare card twin (walk and me-startup.apdu): no difference ($rc)" \
	[ "$rc" -eq 0 ] && [ "$(tail -1 "$work/twin.txt")" = "0 differences" ]
[ "$rc" -eq 0 ] || sed 's/^/#   /' "$work/twin.txt" | cut -c1-200
"$compare" 0 1 --pin1 1234 --repeat 1 --rand 000102030405060708090a0b0c0d0e0f \
	--autn 000102030405060708090a0b0c0d0e0f --json >"$work/auth.json"; rc=$?
tap_check "compare --rand --autn: only AUTHENTICATE differs, the twin has no keys ('6A88')" \
	[ "$rc" -eq 1 ] && [ "$(jq -c '[.differences[] | [.what, .field, .b]]' "$work/auth.json")" = '[["AUTHENTICATE 3G context","SW","6A88"]]' ]

# --- the twin with its physical card's AKA (--aka-reader) ---
start_card 2 "$A"
stop_card 1
"$top_builddir/usim/e2msim-card" --profile "$work/twin.json" --state "$work/state1" \
	--vpcd 127.0.0.1:35964 --aka-reader 2 >>"$work/card1.log" 2>&1 &
pid_1=$!
wait_slot 1 present
av=$("$top_builddir/tools/e2msim-auc" --profile "$A" --rand 23553cbe9637a89d218ae64dae47bf35 --json)
auth=$("$apdu" --reader 1 00a4040c07a0000000871002 002000010831323334ffffffff \
	"008800812210$(jq -r .rand <<<"$av")10$(jq -r .autn <<<"$av")" | tail -1)
tap_check "the twin's AUTHENTICATE, relayed to its physical card: RES, CK, IK, Kc of the AuC" \
	[ "${auth%% *}" = "db08$(jq -r '.xres + "10" + .ck + "10" + .ik + "08" + .kc' <<<"$av")" ]
tap_check "the physical card took PIN1 once and ran the AKA (SQN 32 used: a replay is refused)" \
	[ "$("$apdu" --reader 2 00200001 | awk '{print $1}')" = 9000 ] \
	&& [ "$("$apdu" --reader 1 "008800812210$(jq -r .rand <<<"$av")10$(jq -r .autn <<<"$av")" | cut -c1-4)" = dc0e ]
gsm=$("$apdu" --reader 1 a0a40000027f20 a020000108$(printf 1234 | od -An -tx1 | tr -d ' \n')ffffffff \
	"a088000010$(jq -r .rand <<<"$av")" | tail -1)
tap_check "the twin's RUN GSM ALGORITHM, relayed as AUTHENTICATE in the GSM context: SRES || Kc of the AuC" \
	[ "${gsm%% *}" = "$(jq -r '.sres + .kc' <<<"$av")" ]
stop_card 1
stop_card 2
start_card 1 "$work/twin.json"

# --- PIN1: one try at most, none with one left ---
"$probe" 1 --pin1 9999 --json >"$work/wrong.json"; rc=$?
tap_check "wrong --pin1: the walk goes on, exit status 0 ($rc)" [ "$rc" -eq 0 ]
tap_check "wrong --pin1: PIN1 files unread ('6982')" \
	[ "$(jq -r '.files["ADF.USIM/EF.IMSI"].read' "$work/wrong.json")" = 6982 ]
tap_check "wrong --pin1: one try used (63C3 before, 63C2 after)" \
	[ "$(jq -c '[.steps[0].sw, .steps[1].sw]' "$work/wrong.json")" = '["63C3","63C2"]' ] \
	&& [ "$(pin1_status 1)" = 63C2 ]
"$probe" 1 --pin1 9999 >/dev/null
tap_check "a second wrong run leaves one try (63C1)" [ "$(pin1_status 1)" = 63C1 ]
"$probe" 1 --pin1 1234 --json >"$work/last.json"; rc=$?
tap_check "one try left: the PIN is not presented, not even the right one ($rc)" \
	[ "$rc" -eq 0 ] && [ "$(pin1_status 1)" = 63C1 ] \
	&& [ "$(jq -r '.steps[1].command' "$work/last.json")" = "VERIFY PIN1 not presented: 1 tries left" ] \
	&& [ "$(jq -r '.pin1_verified' "$work/last.json")" = false ]
stop_card 1

# --- errors: one line, exit status 2 ---
one_line_exit2 "a reader without a card" "reader 1: no card" "$probe" 1
one_line_exit2 "compare with an empty reader" "reader 1: no card" "$compare" 0 1 --repeat 1
# echo_card_case DESC PATTERN [ECHO-CARD OPTIONS]: probe a helper card on slot 1
echo_card_case() {
	local desc=$1 pattern=$2 echo_pid; shift 2
	"$top_builddir/tests/echo-card" --vpcd 127.0.0.1:35964 "$@" >/dev/null 2>&1 &
	echo_pid=$!
	if wait_slot 1 present; then
		one_line_exit2 "$desc" "$pattern" "$probe" 1
	else
		tap_fail "$desc: the card appears"
	fi
	kill -TERM "$echo_pid"; wait "$echo_pid"; wait_slot 1 absent
}
echo_card_case "a card that answers one octet" "not an R-APDU" --answer 42
echo_card_case "a card that answers '9000' to everything" "not a UICC"
# last: a stopped card may keep its slot busy in pcscd
start_card 1 "$B"
kill -STOP "$pid_1"
start=$(date +%s)
one_line_exit2 "a mute card (SIGSTOP)" "reader 1: the card does not answer" "$probe" 1 --timeout 3
tap_check "a mute card: given up within 10 s" [ $(($(date +%s) - start)) -le 10 ]
kill -CONT "$pid_1"
stop_card 1
stop_card 0

if [ "$tap_failed" -gt 0 ]; then
	echo "# card logs:"; tail -20 "$work"/card*.log | sed 's/^/#   /'
fi
rm -rf "$work"
tap_done
