/*
 * intermodal-nft-netns: runs nft scripts inside many network namespaces from ONE process,
 * where `nsenter --net=NS nft -f -` costs two execs per namespace. Used to keep every
 * server's security-group table in line (api/network/firewall-sync.ts) when a server joins
 * or leaves a group and all its peers' tables change.
 *
 * Input (stdin), repeated until end of input:
 *     <path of a network namespace: /run/netns/NAME or /proc/PID/ns/net>\n
 *     <length of the script in bytes>\n
 *     <script: that many bytes of nft text>
 * Output (stdout), one line per record, in input order:
 *     ok
 *     error <message on one line>
 * Each script is one nft transaction: it applies whole or not at all. A record that fails
 * (its namespace is gone, its script is refused) does not stop the next ones; the exit
 * status is 0 when the input was well formed, whatever the records' outcomes, 2 otherwise.
 *
 * A process is in one network namespace at a time and a netlink socket stays in the one it
 * was opened in, so each record joins its namespace (setns) and gets a fresh libnftables
 * context (which opens its socket there). Built by node-gyp (binding.gyp) against the
 * system's libnftables.so.1 (Debian `libnftables1`, pulled in by `nftables`); its four
 * calls are declared here because Debian ships no headers without libnftables-dev.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct nft_ctx;
extern struct nft_ctx *nft_ctx_new(uint32_t flags);
extern void nft_ctx_free(struct nft_ctx *ctx);
extern int nft_ctx_buffer_output(struct nft_ctx *ctx);
extern int nft_ctx_buffer_error(struct nft_ctx *ctx);
extern const char *nft_ctx_get_error_buffer(struct nft_ctx *ctx);
extern int nft_run_cmd_from_buffer(struct nft_ctx *ctx, const char *buf);

#define NFT_CTX_DEFAULT 0

/* Writes `message` as one `error` line: newlines and tabs become "; " and spaces. */
static void report_error(const char *message) {
  fputs("error ", stdout);
  const char *end = message + strlen(message);
  while (end > message && (end[-1] == '\n' || end[-1] == ' ')) end--;
  for (const char *c = message; c < end; c++) {
    if (*c == '\n') fputs("; ", stdout);
    else putchar(*c == '\t' || *c == '\r' ? ' ' : *c);
  }
  putchar('\n');
}

/* Joins the namespace at `path` and runs `script` there; reports the outcome on stdout. */
static void run_in_namespace(const char *path, const char *script) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    char message[4200];
    snprintf(message, sizeof message, "network namespace %s: %s", path, strerror(errno));
    report_error(message);
    return;
  }
  int joined = setns(fd, CLONE_NEWNET);
  int saved = errno;
  close(fd);
  if (joined != 0) {
    char message[4200];
    snprintf(message, sizeof message, "cannot join network namespace %s: %s", path, strerror(saved));
    report_error(message);
    return;
  }
  struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == NULL) {
    report_error("libnftables: cannot make a context");
    return;
  }
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  if (nft_run_cmd_from_buffer(ctx, script) == 0) {
    puts("ok");
  } else {
    const char *message = nft_ctx_get_error_buffer(ctx);
    report_error(message != NULL && message[0] != '\0' ? message : "nft refused the script");
  }
  nft_ctx_free(ctx);
}

/* Reads one line (without its newline) into `line`; returns 0 at a clean end of input, -1 on a short line. */
static int read_line(char *line, size_t size) {
  if (fgets(line, (int)size, stdin) == NULL) return 0;
  size_t length = strlen(line);
  if (length == 0 || line[length - 1] != '\n') return -1;
  line[length - 1] = '\0';
  return 1;
}

int main(void) {
  char path[4096];
  char count[32];
  for (;;) {
    int got = read_line(path, sizeof path);
    if (got == 0) break;
    if (got < 0 || read_line(count, sizeof count) != 1) {
      fprintf(stderr, "intermodal-nft-netns: malformed record header\n");
      return 2;
    }
    char *end;
    unsigned long length = strtoul(count, &end, 10);
    if (*end != '\0' || length > (64UL << 20)) {
      fprintf(stderr, "intermodal-nft-netns: bad script length %s\n", count);
      return 2;
    }
    char *script = malloc(length + 1);
    if (script == NULL || fread(script, 1, length, stdin) != length) {
      fprintf(stderr, "intermodal-nft-netns: script shorter than its length\n");
      free(script);
      return 2;
    }
    script[length] = '\0';
    run_in_namespace(path, script);
    free(script);
    fflush(stdout);
  }
  return 0;
}
