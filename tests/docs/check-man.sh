#!/bin/bash
# check-man.sh ATEOMNET MANPAGE: the man page passes `mandoc -T lint` (no
# warnings), and it names exactly the verbs and flags `ateomnet help`
# prints, so neither can drift from the other.
set -euo pipefail
bin="$1" man="$2"
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; shift; printf '     %s\n' "$@"; fails=$((fails + 1)); }

if out=$(mandoc -T lint -W warning "$man" 2>&1); then ok "mandoc -T lint -W warning: clean"
else bad "mandoc -T lint -W warning" "$out"; fi

text=$(mandoc -T utf8 "$man" | col -bx)
help=$("$bin" help)
flags() { grep -oE -- '(^|[^a-z-])--?[a-z][a-z-]*' | grep -oE -- '--?[a-z][a-z-]*' |
	grep -vE '^-[a-z]{2,}' | sort -u; }
# EXAMPLES quote other tools (nsenter --net=...).
hf=$(flags <<<"$help") mf=$(sed "/^EXAMPLES$/,/^SEE ALSO$/d" <<<"$text" | flags)
[[ $(wc -l <<<"$hf") -ge 15 ]] || bad "help lists flags" "$hf"
if [[ "$hf" == "$mf" ]]; then ok "the man page has the help's $(wc -l <<<"$hf") flags, no others"
else bad "flags differ (< help only, > man page only)" "$(diff <(echo "$hf") <(echo "$mf") | grep '^[<>]')"; fi

# Verbs: the indented first words of help's "Verbs:" block, and the tags
# of the man page's "Verbs" list.
hv=$(sed -n '/^Verbs:/,/^$/p' <<<"$help" | grep -oE '^  [a-z]+' | xargs -n1 | sort)
mv=$(sed -n '/^   Verbs$/,/^   Flags$/p' <<<"$text" | grep -oE '^     [a-z]+( |$)' | xargs -n1 | sort)
if [[ -n "$hv" && "$hv" == "$mv" ]]; then ok "the man page describes the help's verbs: $(echo $hv)"
else bad "verbs differ" "help: $(echo $hv)" "man:  $(echo $mv)"; fi

for s in NAME SYNOPSIS DESCRIPTION ENVIRONMENT FILES "EXIT STATUS"; do
	if grep -qx "$s" <<<"$text"; then ok "section $s"; else bad "section $s missing"; fi
done
((fails == 0)) && echo "man page: all checks passed" || { echo "man page: $fails failed"; exit 1; }
