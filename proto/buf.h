/* Bounds-checked byte buffers for the IKEv2 codec.
 *
 * A reader walks received bytes: every read checks the remaining length
 * first and, when short, reads nothing, sets the sticky `bad` flag and
 * returns -EMSGSIZE.  Network byte order throughout.
 *
 * A writer appends to caller-provided fixed storage or to a growable heap
 * buffer.  A write that does not fit writes nothing and sets the sticky
 * `bad` flag, so a builder may check once at the end.  Lengths that are
 * known only later are reserved (ike_wr_mark) and patched (ike_wr_patch_*).
 * Pointers into a growable writer's data are invalidated by later writes;
 * keep offsets, not pointers.
 */
#ifndef IKESWARM_PROTO_BUF_H
#define IKESWARM_PROTO_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ike_reader {
	const uint8_t *data;
	size_t len;     /* bytes in data */
	size_t off;     /* next byte to read */
	bool bad;       /* a read ran short */
};

void ike_rd_init(struct ike_reader *r, const void *data, size_t len);

static inline size_t ike_rd_left(const struct ike_reader *r)
{
	return r->len - r->off;
}

/* Pointer to the next unread byte (valid even when nothing is left). */
static inline const uint8_t *ike_rd_cur(const struct ike_reader *r)
{
	return r->data ? r->data + r->off : NULL;
}

/* 0 on success, -EMSGSIZE (nothing read, bad set) when short. */
int ike_rd_u8(struct ike_reader *r, uint8_t *v);
int ike_rd_u16(struct ike_reader *r, uint16_t *v);
int ike_rd_u32(struct ike_reader *r, uint32_t *v);
int ike_rd_u64(struct ike_reader *r, uint64_t *v);
int ike_rd_copy(struct ike_reader *r, void *dst, size_t n);
/* Zero-copy: *p points into the reader's data (NULL when n == 0). */
int ike_rd_ref(struct ike_reader *r, size_t n, const uint8_t **p);
int ike_rd_skip(struct ike_reader *r, size_t n);
/* Carve the next n bytes out as their own reader and skip them here. */
int ike_rd_sub(struct ike_reader *r, size_t n, struct ike_reader *sub);

struct ike_writer {
	uint8_t *data;
	size_t len;     /* bytes written */
	size_t cap;     /* bytes available in data */
	bool growable;  /* data is ours (heap) and may be reallocated */
	bool bad;       /* a write did not fit (or allocation failed) */
};

/* Fixed storage owned by the caller; never reallocated. */
void ike_wr_init(struct ike_writer *w, void *storage, size_t cap);
/* Growable heap storage starting with `hint` bytes (0: a default);
 * release with ike_wr_free.  A failed allocation sets bad. */
void ike_wr_init_dyn(struct ike_writer *w, size_t hint);
void ike_wr_free(struct ike_writer *w);

static inline bool ike_wr_ok(const struct ike_writer *w)
{
	return !w->bad;
}

/* Make room for n > 0 more bytes and return a pointer to them (zeroed), or
 * NULL (bad set; n == 0 also gives NULL).  The pointer is valid until the next write. */
uint8_t *ike_wr_reserve(struct ike_writer *w, size_t n);

/* 0 on success, -ENOBUFS (nothing written, bad set) when it does not fit. */
int ike_wr_u8(struct ike_writer *w, uint8_t v);
int ike_wr_u16(struct ike_writer *w, uint16_t v);
int ike_wr_u32(struct ike_writer *w, uint32_t v);
int ike_wr_u64(struct ike_writer *w, uint64_t v);
int ike_wr_bytes(struct ike_writer *w, const void *src, size_t n);
int ike_wr_zeros(struct ike_writer *w, size_t n);

/* Offset of the next byte to be written: remember it, write a placeholder,
 * and patch it later.  Patching outside [0, len) sets bad, returns -EINVAL. */
static inline size_t ike_wr_mark(const struct ike_writer *w)
{
	return w->len;
}
int ike_wr_patch_u8(struct ike_writer *w, size_t off, uint8_t v);
int ike_wr_patch_u16(struct ike_writer *w, size_t off, uint16_t v);
int ike_wr_patch_u32(struct ike_writer *w, size_t off, uint32_t v);

/* Reserve a 16-bit length field; ike_wr_end_len16 patches it with the number
 * of bytes from `from` to the current end (-EOVERFLOW if above 65535). */
size_t ike_wr_begin_len16(struct ike_writer *w);
int ike_wr_end_len16(struct ike_writer *w, size_t field_off, size_t from);

#endif
