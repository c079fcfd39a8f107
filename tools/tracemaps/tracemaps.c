/* tracemaps.c — `mmusim-tracemaps`: runs a command and saves its /proc/PID/maps at the moment it
 * exits, for `mmusim --maps`.
 *
 * Why ptrace: a program traced by valgrind lackey runs inside the valgrind process, so the maps of
 * that process hold the client's mappings at the addresses of the trace. Read from outside while
 * the process runs, they are either early (libraries not yet loaded) or racy; read by the client
 * itself (an LD_PRELOAD destructor), the reading would add a library and its accesses to the
 * trace. PTRACE_O_TRACEEXIT stops the process in do_exit before its address space is released,
 * so the last map is complete and the trace is untouched. The same works for a native run. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(FILE *o) {
  fprintf(o,
          "usage: mmusim-tracemaps -o FILE [--] COMMAND [ARGS...]\n"
          "Runs COMMAND and writes its /proc/PID/maps, read when the process exits (before its\n"
          "address space is torn down), to FILE. Under valgrind the maps are the valgrind\n"
          "process's: the client's mappings at the addresses of the trace, plus valgrind's own.\n"
          "\n"
          "  -o, --output FILE   where to write the maps (required)\n"
          "  -h, --help          this text\n"
          "\n"
          "Exit status: that of COMMAND (128+N if killed by signal N); 2 bad usage; 1 when the\n"
          "maps could not be read or written, or COMMAND could not be started.\n"
          "Example:\n"
          "  mmusim-tracemaps -o ls.maps valgrind --tool=lackey --trace-mem=yes \\\n"
          "      --log-file=ls.trace /bin/ls -l /usr/bin\n");
}

/* Copies /proc/pid/maps to out; false (and a message) on failure. */
static bool save_maps(pid_t pid, const char *out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
  FILE *in = fopen(path, "r");
  if (!in) {
    fprintf(stderr, "mmusim-tracemaps: cannot read %s: %s\n", path, strerror(errno));
    return false;
  }
  FILE *o = fopen(out, "w");
  if (!o) {
    fprintf(stderr, "mmusim-tracemaps: cannot write '%s': %s\n", out, strerror(errno));
    fclose(in);
    return false;
  }
  char buf[1 << 14];
  size_t n;
  bool ok = true;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, n, o) != n) ok = false;
  if (ferror(in)) ok = false;
  fclose(in);
  if (fclose(o) != 0) ok = false;
  if (!ok) fprintf(stderr, "mmusim-tracemaps: copying %s to '%s' failed\n", path, out);
  return ok;
}

int main(int argc, char **argv) {
  static const struct option lo[] = {
      {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  const char *out = NULL;
  int c;
  opterr = 0;
  /* '+': stop at the first non-option, so COMMAND's own options are left alone. */
  while ((c = getopt_long(argc, argv, "+:o:h", lo, NULL)) != -1) {
    switch (c) {
    case 'o':
      out = optarg;
      break;
    case 'h':
      usage(stdout);
      return 0;
    case ':':
      fprintf(stderr, "mmusim-tracemaps: option '%s' needs an argument\n", argv[optind - 1]);
      return 2;
    default:
      fprintf(stderr, "mmusim-tracemaps: unknown option '%s' (see --help)\n", argv[optind - 1]);
      return 2;
    }
  }
  if (!out || optind >= argc) {
    fprintf(stderr, "mmusim-tracemaps: %s (see --help)\n",
            !out ? "--output FILE is required" : "no command given");
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "mmusim-tracemaps: fork: %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
      fprintf(stderr, "mmusim-tracemaps: ptrace: %s\n", strerror(errno));
      _exit(127);
    }
    execvp(argv[optind], argv + optind);
    fprintf(stderr, "mmusim-tracemaps: cannot run '%s': %s\n", argv[optind], strerror(errno));
    _exit(127);
  }
  /* Only the first thread is traced (no TRACECLONE): its exit stop comes when the process
   * exits, and signals to it are passed on unchanged. */
  bool first = true, saved = false, ok = true;
  int st;
  for (;;) {
    if (waitpid(pid, &st, 0) < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "mmusim-tracemaps: waitpid: %s\n", strerror(errno));
      return 1;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) break;
    if (!WIFSTOPPED(st)) continue;
    int sig = WSTOPSIG(st), event = st >> 16, pass = 0;
    if (first && sig == SIGTRAP) { /* the stop after the first execve */
      first = false;
      ptrace(PTRACE_SETOPTIONS, pid, NULL,
             (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL));
    } else if (event == PTRACE_EVENT_EXIT) {
      if (!saved) ok = save_maps(pid, out);
      saved = true;
    } else if (event == 0) {
      /* A signal for the command, passed on; but a group-stop (SIGSTOP and friends, already
       * delivered: no siginfo) is resumed with no signal, or it would be sent again. */
      siginfo_t si;
      bool group_stop = (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) &&
                        ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) != 0;
      pass = group_stop ? 0 : sig;
    }
    ptrace(PTRACE_CONT, pid, NULL, (void *)(long)pass);
  }
  if (!saved) {
    fprintf(stderr, "mmusim-tracemaps: the command ended without an exit stop; no maps\n");
    ok = false;
  }
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  int rc = WEXITSTATUS(st);
  return rc ? rc : ok ? 0 : 1;
}
