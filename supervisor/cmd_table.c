/* The subcommand table and its lookups. */
#include <stdio.h>
#include <string.h>

#include "supervisor/cmd.h"

const struct cmd ikeswarm_cmds[] = {
	{ "exec", cmd_exec, "run a setup file (or check it with --verify)",
	  "ikeswarm exec -f FILE [--verify] [-j]\n"
	  "  -f FILE     the YAML setup file\n"
	  "  --verify    validate the setup and print the plan; start nothing\n"
	  "  -j          print the result as one JSON object\n"
	  "  --keylog FILE  write the IKE SA keys as a Wireshark IKEv2 decryption table\n"
	  "  --lf FILE   the event log (default ikeswarm.log; with --single: stdout,\n"
	  "              stderr with -j)\n"
	  "  --workers N worker processes (default: the setup's 'workers', else the\n"
	  "              online CPUs; never more than tunnels)\n"
	  "  --single    run everything in this one process (no supervisor)\n"
	  "  --flush=false  keep the client's bindifname addresses (default: removed,\n"
	  "              put back at exit) and, with installfastpath, the XFRM\n"
	  "              states/policies and table 330 found at start\n" },
	{ "default", cmd_default, "write the commented default setup",
	  "ikeswarm default setup [-f FILE]\n"
	  "  -f FILE     write to FILE instead of standard output\n" },
	{ "cli", cmd_cli, "talk to a running ikeswarm over its control socket",
	  "ikeswarm cli [--svr ADDR] [--timeout SEC] [CMD [ARGS]]\n"
	  "ikeswarm cli [--svr ADDR] events [--level N] [--keyword K]\n"
	  "                                  [--follow | [--count N] [--for SEC]]\n"
	  "  --svr ADDR     tcp://HOST:PORT, HOST[:PORT] or ipc://PATH\n"
	  "                 (default tcp://127.0.0.1:12330)\n"
	  "  --timeout SEC  give up waiting for an answer (default 5)\n"
	  "  CMD [ARGS]     one command: print its reply as JSON and exit\n"
	  "                 (0 ok, 1 error reply, 2 bad usage, 3 no answer);\n"
	  "                 without CMD: a shell reading commands from stdin\n" },
	{ "lab", cmd_lab, "run a client and a gateway in two network namespaces (root)",
	  "ikeswarm lab [-n TUNNELS] [-t SECONDS] [--keep-going] [-v]\n"
	  "  -n TUNNELS    tunnels to set up (default 200, at most 32767)\n"
	  "  -t SECONDS    how long the client runs (default 30)\n"
	  "  --keep-going  run until interrupted (Ctrl-C) instead of -t\n"
	  "  -v            show every log line of both sides\n"
	  "  Exit: 0 every tunnel came up on both sides, 1 not, 2 bad usage or\n"
	  "  not root, 130 interrupted (without --keep-going)\n" },
	{ "help", cmd_help, "list subcommands or show one's usage",
	  "ikeswarm help [CMD]\n" },
	{ "version", cmd_version, "print the version", "ikeswarm version\n" },
	{ "__worker", cmd_worker, "(internal) a worker process of 'ikeswarm exec'",
	  "ikeswarm __worker ... (started by 'ikeswarm exec' only)\n" },
	{ "__kernel", cmd_kernel, "(internal) the kernel process of 'ikeswarm exec'",
	  "ikeswarm __kernel --url URL (started by 'ikeswarm exec' only)\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct cmd *cmd_find(const char *name)
{
	for (const struct cmd *c = ikeswarm_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void cmd_usage(const struct cmd *c, int to_stderr)
{
	fprintf(to_stderr ? stderr : stdout, "usage: %s", c->usage);
}
