# Turn arch/syscalls.tbl into C rows for arch/systab.c (see the table's header).
BEGIN {
	print "/* Generated from arch/syscalls.tbl by arch/gen-systab.awk: do not edit. */"
	print "#include \"arch/systab.h\""
	print "const struct sc_row systab_rows[] = {"
	cls["allow"] = "SC_ALLOW"; cls["path"] = "SC_PATH"; cls["exec"] = "SC_EXEC"
	cls["net"] = "SC_NET"; cls["pid"] = "SC_PID"; cls["fdmeta"] = "SC_FDMETA"
	cls["priv"] = "SC_PRIV"; cls["mm"] = "SC_MM"; cls["clone"] = "SC_CLONE"
	cls["ioctl"] = "SC_IOCTL"; cls["prctl"] = "SC_PRCTL"; cls["sendto"] = "SC_SENDTO"
	cls["fcntl"] = "SC_FCNTL"; cls["rlimit"] = "SC_RLIMIT"
	cls["eperm"] = "SC_EPERM"; cls["enosys"] = "SC_ENOSYS"
	split("int ptr fd dirfd oflags mode atflags str sockaddr socklen msghdr mmsghdr argv openhow pid sig family socktype", k, " ")
	for (i in k) kind[k[i]] = "A_" toupper(k[i])
	n = 0
}
/^[ \t]*(#|$)/ { next }
{
	name = $1
	if (!($2 in cls)) { printf("syscalls.tbl:%d: unknown class %s\n", NR, $2) > "/dev/stderr"; exit 1 }
	if (name in seen) { printf("syscalls.tbl:%d: duplicate row %s\n", NR, name) > "/dev/stderr"; exit 1 }
	seen[name] = 1
	nr = -1; nargs = 0; args = ""
	for (i = 3; i <= NF; i++) {
		t = $i
		if (t ~ /^nr=[0-9]+$/) { nr = substr(t, 4); continue }
		if (t == "-") { a = "{ A_NONE, 0, 0, 0 }" }
		else if (t ~ /^path:/) {
			spec = substr(t, 6); acc = 0; fol = "F_FOLLOW"; empty = 0
			for (j = 1; j <= length(spec); j++) {
				c = substr(spec, j, 1)
				if (c == "r") acc = acc "|ACC_R"; else if (c == "w") acc = acc "|ACC_W"
				else if (c == "x") acc = acc "|ACC_X"; else if (c == "o") acc = acc "|ACC_OPEN"
				else if (c == "n") fol = "F_NOFOLLOW"; else if (c == "a") fol = "F_AT_NOFOLLOW"
				else if (c == "l") fol = "F_AT_FOLLOW"; else if (c == "e") empty = 1
				else { printf("syscalls.tbl:%d: bad path spec %s\n", NR, t) > "/dev/stderr"; exit 1 }
			}
			a = sprintf("{ A_PATH, %s, %s, %d }", acc, fol, empty)
		} else if (t in kind) { a = sprintf("{ %s, 0, 0, 0 }", kind[t]) }
		else { printf("syscalls.tbl:%d: unknown argument kind %s\n", NR, t) > "/dev/stderr"; exit 1 }
		args = args (nargs ? ", " : "") a
		nargs++
	}
	if (nargs > 6) { printf("syscalls.tbl:%d: more than 6 arguments\n", NR) > "/dev/stderr"; exit 1 }
	printf("\t{ \"%s\", %s, %d, { %s }, %d },\n", name, cls[$2], nargs, args, nr)
	n++
}
END {
	print "};"
	printf("const unsigned systab_nrows = %d;\n", n)
}
