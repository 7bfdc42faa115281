/* Bounds-checked reader and writer (see buf.h). */
#include "proto/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WR_DYN_DEFAULT 1024

void ike_rd_init(struct ike_reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = data ? len : 0;
	r->off = 0;
	r->bad = false;
}

/* The one length check every read goes through. */
static bool rd_take(struct ike_reader *r, size_t n, const uint8_t **p)
{
	if (n > ike_rd_left(r)) {
		r->bad = true;
		return false;
	}
	*p = r->data ? r->data + r->off : NULL;
	r->off += n;
	return true;
}

int ike_rd_u8(struct ike_reader *r, uint8_t *v)
{
	const uint8_t *p;
	if (!rd_take(r, 1, &p))
		return -EMSGSIZE;
	*v = p[0];
	return 0;
}

int ike_rd_u16(struct ike_reader *r, uint16_t *v)
{
	const uint8_t *p;
	if (!rd_take(r, 2, &p))
		return -EMSGSIZE;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int ike_rd_u32(struct ike_reader *r, uint32_t *v)
{
	const uint8_t *p;
	if (!rd_take(r, 4, &p))
		return -EMSGSIZE;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int ike_rd_u64(struct ike_reader *r, uint64_t *v)
{
	uint32_t hi, lo;
	if (ike_rd_left(r) < 8) {
		r->bad = true;
		return -EMSGSIZE;
	}
	ike_rd_u32(r, &hi);
	ike_rd_u32(r, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int ike_rd_copy(struct ike_reader *r, void *dst, size_t n)
{
	const uint8_t *p;
	if (!rd_take(r, n, &p))
		return -EMSGSIZE;
	if (n)
		memcpy(dst, p, n);
	return 0;
}

int ike_rd_ref(struct ike_reader *r, size_t n, const uint8_t **p)
{
	const uint8_t *q;
	if (!rd_take(r, n, &q))
		return -EMSGSIZE;
	*p = n ? q : NULL;
	return 0;
}

int ike_rd_skip(struct ike_reader *r, size_t n)
{
	const uint8_t *p;
	return rd_take(r, n, &p) ? 0 : -EMSGSIZE;
}

int ike_rd_sub(struct ike_reader *r, size_t n, struct ike_reader *sub)
{
	const uint8_t *p;
	if (!rd_take(r, n, &p))
		return -EMSGSIZE;
	sub->data = p;
	sub->len = n;
	sub->off = 0;
	sub->bad = false;
	return 0;
}

void ike_wr_init(struct ike_writer *w, void *storage, size_t cap)
{
	w->data = storage;
	w->len = 0;
	w->cap = storage ? cap : 0;
	w->growable = false;
	w->bad = false;
}

void ike_wr_init_dyn(struct ike_writer *w, size_t hint)
{
	ike_wr_init(w, NULL, 0);
	w->growable = true;
	if (!hint)
		hint = WR_DYN_DEFAULT;
	w->data = malloc(hint);
	if (!w->data) {
		w->bad = true;
		return;
	}
	w->cap = hint;
}

void ike_wr_free(struct ike_writer *w)
{
	if (w->growable)
		free(w->data);
	w->data = NULL;
	w->len = w->cap = 0;
}

static bool wr_grow(struct ike_writer *w, size_t need)
{
	if (!w->growable)
		return false;
	size_t cap = w->cap ? w->cap : WR_DYN_DEFAULT;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	uint8_t *p = realloc(w->data, cap);
	if (!p)
		return false;
	w->data = p;
	w->cap = cap;
	return true;
}

uint8_t *ike_wr_reserve(struct ike_writer *w, size_t n)
{
	if (w->bad || !n)
		return NULL;
	if (n > w->cap - w->len && (n > SIZE_MAX - w->len || !wr_grow(w, w->len + n))) {
		w->bad = true;
		return NULL;
	}
	uint8_t *p = w->data + w->len;
	memset(p, 0, n);
	w->len += n;
	return p;
}

int ike_wr_u8(struct ike_writer *w, uint8_t v)
{
	uint8_t *p = ike_wr_reserve(w, 1);
	if (!p)
		return -ENOBUFS;
	p[0] = v;
	return 0;
}

int ike_wr_u16(struct ike_writer *w, uint16_t v)
{
	uint8_t *p = ike_wr_reserve(w, 2);
	if (!p)
		return -ENOBUFS;
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return 0;
}

int ike_wr_u32(struct ike_writer *w, uint32_t v)
{
	uint8_t *p = ike_wr_reserve(w, 4);
	if (!p)
		return -ENOBUFS;
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
	return 0;
}

int ike_wr_u64(struct ike_writer *w, uint64_t v)
{
	uint8_t *p = ike_wr_reserve(w, 8);
	if (!p)
		return -ENOBUFS;
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
	return 0;
}

int ike_wr_bytes(struct ike_writer *w, const void *src, size_t n)
{
	if (!n)
		return w->bad ? -ENOBUFS : 0;
	uint8_t *p = ike_wr_reserve(w, n);
	if (!p)
		return -ENOBUFS;
	if (n)
		memcpy(p, src, n);
	return 0;
}

int ike_wr_zeros(struct ike_writer *w, size_t n)
{
	if (!n)
		return w->bad ? -ENOBUFS : 0;
	return ike_wr_reserve(w, n) ? 0 : -ENOBUFS;
}

static uint8_t *wr_at(struct ike_writer *w, size_t off, size_t n)
{
	if (off > w->len || n > w->len - off) {
		w->bad = true;
		return NULL;
	}
	return w->data + off;
}

int ike_wr_patch_u8(struct ike_writer *w, size_t off, uint8_t v)
{
	uint8_t *p = wr_at(w, off, 1);
	if (!p)
		return -EINVAL;
	p[0] = v;
	return 0;
}

int ike_wr_patch_u16(struct ike_writer *w, size_t off, uint16_t v)
{
	uint8_t *p = wr_at(w, off, 2);
	if (!p)
		return -EINVAL;
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return 0;
}

int ike_wr_patch_u32(struct ike_writer *w, size_t off, uint32_t v)
{
	uint8_t *p = wr_at(w, off, 4);
	if (!p)
		return -EINVAL;
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
	return 0;
}

size_t ike_wr_begin_len16(struct ike_writer *w)
{
	size_t off = ike_wr_mark(w);
	ike_wr_u16(w, 0);
	return off;
}

int ike_wr_end_len16(struct ike_writer *w, size_t field_off, size_t from)
{
	if (w->bad)
		return -ENOBUFS;
	if (from > w->len) {
		w->bad = true;
		return -EINVAL;
	}
	if (w->len - from > 0xffff) {
		w->bad = true;
		return -EOVERFLOW;
	}
	return ike_wr_patch_u16(w, field_off, (uint16_t)(w->len - from));
}
