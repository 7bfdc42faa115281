# swan-keys.awk: pull the key material out of a charon log written with
# `ike = 4` and `chd = 4` (strongSwan 5.9 filelog), as `name = hex` lines.
#
# charon dumps each secret as a header `<conn|N> LABEL => LEN bytes @ ADDR`
# followed by lines `<conn|N>   OFF: XX XX ... ASCII`.  Key sets:
#   IKE SA k (k = 1 for the initial SA, 2.. for each IKE rekey, in log
#   order):  a SKEYSEED line starts it; the "shared Diffie Hellman secret"
#   logged just before it is its g^ir.  Names: g_ir skeyseed sk_d sk_ai
#   sk_ar sk_ei sk_er sk_pi sk_pr, prefixed "ikeK_" for k > 1.
#   PSK AUTH: psk (the first "secret" before a keypad prf), auth_1 auth_2
#   ... (each AUTH value computed, in order), idx_1 idx_2 ... (IDx').
#   CHILD SA c (in log order): child prf+ seed and keys: childC_seed,
#   childC_encr_i childC_encr_r childC_integ_i childC_integ_r.  With PFS
#   the seed is g^ir | Ni | Nr: charon 5.9 logs no separate DH secret for
#   a CHILD SA (a childC_g_ir line appears only if one ever precedes it).
# Usage: awk -f swan-keys.awk charon.log
function flush(   name) {
	if (label == "") return
	name = ""
	if (label == "shared Diffie Hellman secret") { pending_dh = hex }
	else if (label == "SKEYSEED") {
		ike++
		pfx = (ike == 1) ? "" : "ike" ike "_"
		if (pending_dh != "") out(pfx "g_ir", pending_dh)
		pending_dh = ""
		name = pfx "skeyseed"
	}
	else if (label ~ /^Sk_(d|ai|ar|ei|er|pi|pr) secret$/) {
		split(label, w, " "); name = pfx tolower(w[1])
	}
	else if (label == "secret" && !have_psk) { name = "psk"; have_psk = 1 }
	else if (label ~ /^AUTH = /) { nauth++; name = "auth_" nauth }
	else if (label == "IDx'") { nid++; name = "idx_" nid }
	else if (label == "seed" && grp == "CHD") {
		child++; cpfx = "child" child "_"; name = cpfx "seed"
		if (pending_dh != "") out(cpfx "g_ir", pending_dh)
		pending_dh = ""
	}
	else if (label == "encryption initiator key") name = cpfx "encr_i"
	else if (label == "encryption responder key") name = cpfx "encr_r"
	else if (label == "integrity initiator key") name = cpfx "integ_i"
	else if (label == "integrity responder key") name = cpfx "integ_r"
	if (name != "") out(name, hex)
	label = ""; hex = ""
}
function out(n, h) {
	if (!(n in seen)) { seen[n] = 1; print n " = " h }
}
{
	# strip "TIME THREAD[GRP] <conn|N> "
	line = $0
	if (match(line, /[0-9][0-9]\[[A-Z]+\] /) == 0) next
	grp = substr(line, RSTART + 3, RLENGTH - 5)
	rest = substr(line, RSTART + RLENGTH)
	sub(/^<[^>]*> /, "", rest)
	if (match(rest, / => [0-9]+ bytes @ 0x[0-9a-f]+$/)) {
		flush()
		label = substr(rest, 1, RSTART - 1)
		want = substr(rest, RSTART + 4)
		sub(/ .*/, "", want); want += 0
		hex = ""
		next
	}
	if (label != "" && rest ~ /^ *[0-9]+: [0-9A-F][0-9A-F] /) {
		sub(/^ *[0-9]+: /, "", rest)
		n = 0
		while (n < 16 && length(hex) < 2 * want && match(rest, /^[0-9A-F][0-9A-F] ?/)) {
			hex = hex tolower(substr(rest, 1, 2))
			rest = substr(rest, RLENGTH + 1)
			n++
		}
		next
	}
	flush()
}
END { flush() }
