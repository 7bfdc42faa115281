/* Messages between ikeswarm processes (and from control clients): one JSON
 * object per nng message, with one envelope
 *
 *   {"type": "dump", "id": 7, "spi": "5dfa8ef4cd3fe5f8"}
 *
 * "type" names an entry of the one table of message types (msg.c), which
 * says who sends it, whether it carries an "id" and which body keys it must
 * (or may) carry, with their JSON types.  Every received message goes
 * through msg_check() before any field is read; a message that fails is
 * logged by the caller with the reason and dropped, never trusted.
 *
 * The control socket speaks the same table, but a request names its command
 * with "cmd" instead of "type" ({"cmd": "list", "start": 0, "len": 10}) and
 * its "id" is optional; see msg_check_cmd() and ikeswarm-control(7).
 *
 * Using a socket from a single-threaded epoll loop (nng's aio callbacks run
 * on nng's own threads; this pattern keeps everything on the loop's thread):
 *
 *	int fd;
 *	msg_recv_fd(sock, &fd);                  // NNG_OPT_RECVFD
 *	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &(struct epoll_event){ .events = EPOLLIN });
 *	...
 *	// fd readable: drain until -EAGAIN; never read() or write() the fd,
 *	// it only signals that nng holds a message for us.
 *	for (;;) {
 *		json_t *m; const struct msg_type *t; char why[MSG_WHY_LEN];
 *		int rc = msg_recv(sock, NNG_FLAG_NONBLOCK, &m, &t, why, sizeof(why));
 *		if (rc == -EAGAIN) break;
 *		if (rc == -EBADMSG) { log why; continue; }   // dropped
 *		if (rc < 0) { socket trouble; break; }
 *		switch (t->kind) ...; json_decref(m);
 *	}
 *
 * Sending from the loop uses NNG_FLAG_NONBLOCK too: -EAGAIN means the peer's
 * queue is full (count it, drop or retry later; never block the loop). */
#ifndef IKESWARM_LIB_MSG_H
#define IKESWARM_LIB_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <nng/nng.h>

/* Who sends a message type. */
enum msg_dir {
	MSG_UP,      /* worker -> supervisor (PUSH/PULL): hello, stats, event */
	MSG_CMD,     /* supervisor -> worker, and control client -> supervisor */
	MSG_ANSWER,  /* the answer to a command or kernel request: reply, error */
	MSG_KERNEL,  /* worker/supervisor -> kernel process requests */
};

/* What a key's value must be.  Checked by msg_check(). */
enum msg_vtype {
	MV_INT,     /* any JSON integer */
	MV_UINT,    /* integer >= 0 */
	MV_LEVEL,   /* integer 1..5 (loglevel) */
	MV_PORT,    /* integer 1..65535 */
	MV_STR,     /* any string without control characters */
	MV_NAME,    /* event name: [a-z][a-z0-9_.]* (at most 63 characters) */
	MV_BOOL,
	MV_OBJ,     /* any object */
	MV_COUNTERS,/* object whose values are all integers >= 0 */
	MV_FIELDS,  /* object: keys [a-z][a-z0-9_]*, values string/number/bool */
	MV_SPI64,   /* IKE SPI: 1..16 hex digits (optional "0x"), not zero */
	MV_SPI32,   /* CHILD SA (ESP) SPI: 1..8 hex digits (optional "0x"), not zero */
	MV_IP,      /* IPv4 or IPv6 address text */
	MV_PREFIX,  /* "address/len" */
	MV_LINES,   /* string of records, each ending in '\n' (no other control
		     * characters expected; any bytes accepted) */
	MV_FILTERS, /* array of at most MSG_MAX_FILTERS objects {"level": 1..5,
		     * "keyword": string without control characters (optional)} */
};

/* Event filters a worker may be given at once ("filter"). */
#define MSG_MAX_FILTERS 16

enum msg_id_rule {
	MSG_ID_NONE,     /* no "id" (one-way messages); one is tolerated */
	MSG_ID_OPTIONAL, /* echoed when given (control requests, answers) */
	MSG_ID_REQUIRED, /* kernel requests: the answer is matched by id */
};

struct msg_key {
	const char *name;
	enum msg_vtype vtype;
	bool required;
};

#define MSG_MAX_KEYS 8

struct msg_type {
	const char *name;
	enum msg_dir dir;
	enum msg_id_rule id;
	bool open;        /* keys beyond keys[] allowed (answers carry any body) */
	const char *help; /* one line: what it asks or says */
	struct msg_key keys[MSG_MAX_KEYS]; /* ends at the first .name == NULL */
};

/* The key a type's trailer goes to, or NULL: such a message may carry text
 * after its JSON object, "{...}\nTEXT", which msg_decode() stores under
 * that key (a string taken as is: bulk text without JSON escaping or
 * parsing).  Today only "events" has one ("lines"). */
const char *msg_trailer_key(const struct msg_type *t);

/* Room for msg_check()'s reasons. */
#define MSG_WHY_LEN 160
/* Largest message msg_recv() accepts (and what sockets should set as
 * NNG_OPT_RECVMAXSZ): stats and dumps are a few KiB. */
#define MSG_MAX_SIZE (1024 * 1024)

/* The table, terminated by an entry with name NULL. */
extern const struct msg_type msg_types[];

const struct msg_type *msg_type_find(const char *name);

/* Check m against the table: an object, "type" a known name, "id" as the
 * type's rule says (a non-negative integer), every required key present,
 * every key of the right JSON type, no unknown key unless the type is open.
 * Returns 0 and sets *type (may be NULL), or -EBADMSG with a one-line
 * reason in why ("list: key 'len' must be an integer >= 0"). */
int msg_check(const json_t *m, const struct msg_type **type, char *why, size_t whylen);

/* The same for a control request: "cmd" instead of "type", and the command
 * must be a MSG_CMD type. */
int msg_check_cmd(const json_t *m, const struct msg_type **type, char *why, size_t whylen);

/* Check only one value against a value type (used by the checks above and
 * by the cli to validate arguments before sending). */
bool msg_value_ok(const json_t *v, enum msg_vtype vt);
const char *msg_vtype_text(enum msg_vtype vt);

/* A new {"type": type, "id": id} object (id < 0: no "id"), or NULL. */
json_t *msg_new(const char *type, int64_t id);
/* {"type":"reply","ok":true} / {"type":"error","ok":false,"error":text},
 * with "id" when id >= 0. */
json_t *msg_reply(int64_t id);
json_t *msg_error(int64_t id, const char *text);
/* An "event" message for the supervisor's log (worker side): tunnel < 0
 * and ike 0 leave those keys out; fields (stolen, may be NULL) is an object
 * of key -> string/number/bool; text (may be NULL) a preformatted
 * "k=v ..." tail.  Stamped with the current time.  NULL on ENOMEM. */
json_t *msg_event(int level, int worker, int64_t tunnel, uint64_t ike, const char *name,
		  json_t *fields, const char *text);

/* The message's "id", or -1 when it has none. */
int64_t msg_id(const json_t *m);

/* SPIs travel as hex strings (a 64-bit SPI does not fit a JSON integer
 * everywhere).  Parse accepts what MV_SPI64/MV_SPI32 accept; 0 or -EINVAL. */
int msg_spi_parse(const char *s, unsigned bits, uint64_t *out);
/* 16 (bits 64) or 8 (bits 32) lower-case hex digits into buf (>= 17). */
const char *msg_spi_format(uint64_t spi, unsigned bits, char *buf, size_t size);

/* Send m followed by "\n" and text (len bytes) as one message, for a type
 * with a trailer.  Same returns as msg_send(). */
int msg_send_trailer(nng_socket s, const json_t *m, const void *text, size_t len, int flags);

/* Encode m compactly and send it as one nng message.  flags: 0 or
 * NNG_FLAG_NONBLOCK.  0 or -errno (-EAGAIN: queue full, -ETIMEDOUT,
 * -EBADF: socket closed, -ENOMEM). */
int msg_send(nng_socket s, const json_t *m, int flags);

/* Receive one message, decode it and msg_check() it.  0: *out holds a checked object (caller decrefs) and *type
 * its table entry.  -EBADMSG: a message arrived but was dropped; why says
 * why (not JSON, not an object, failed the table).  -EAGAIN (with
 * NNG_FLAG_NONBLOCK: nothing pending), -ETIMEDOUT, -EBADF or other -errno
 * from nng. */
int msg_recv(nng_socket s, int flags, json_t **out, const struct msg_type **type,
	     char *why, size_t whylen);

/* Decode and check a buffer the caller received itself (raw sockets);
 * as_cmd: a control request, checked by msg_check_cmd(). */
int msg_decode(const void *buf, size_t len, bool as_cmd, json_t **out,
	       const struct msg_type **type, char *why, size_t whylen);

/* The fd that becomes readable when s holds a message (NNG_OPT_RECVFD). */
int msg_recv_fd(nng_socket s, int *fd);

/* nng error number -> negative errno (for the returns above). */
int msg_nng_errno(int nng_rv);

#endif
