// SPDX-License-Identifier: Apache-2.0
/* IPv6 frames for the v6 edge tests (e6pkt.h). */
#include <string.h>
#include <netinet/in.h>

#include "e6pkt.h"

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (; len > 1; p += 2, len -= 2)
		s += get16(p);
	if (len)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Sum of the pseudo-header and the upper-layer message at l4 (len bytes). */
static uint16_t l4_sum(const uint8_t *ip, uint8_t nh, const uint8_t *l4, size_t len)
{
	uint32_t s = sum16(ip + 8, 32, 0);

	s += (uint32_t)(len >> 16) + (len & 0xffff) + nh;
	return fold(sum16(l4, len, s));
}

static size_t csum_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
}

size_t e6_build_ip(void *buf, size_t cap, const struct e6_spec *s)
{
	uint8_t *ip = buf, *l4 = ip + E6_IP_HLEN, *data;
	size_t hl, len;

	switch (s->proto) {
	case IPPROTO_TCP:
		hl = 20;
		break;
	case IPPROTO_UDP:
	case IPPROTO_ICMPV6:
		hl = 8;
		break;
	default:
		return 0;
	}
	len = hl + s->payload;
	if (s->inner) {
		uint8_t q[E6_FRAME_MAX];
		size_t qn = e6_build_ip(q, sizeof(q), s->inner);

		if (!qn)
			return 0;
		if (s->inner_quote && s->inner_quote < qn)
			qn = s->inner_quote;
		if (E6_IP_HLEN + 8 + qn > cap)
			return 0;
		memcpy(l4 + 8, q, qn);
		len = 8 + qn;
	} else if (E6_IP_HLEN + len > cap) {
		return 0;
	}
	memset(ip, 0, E6_IP_HLEN + hl);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)len);
	ip[6] = s->proto;
	ip[7] = s->hop ? s->hop : 64;
	memcpy(ip + 8, s->saddr, 16);
	memcpy(ip + 24, s->daddr, 16);
	data = l4 + hl;
	switch (s->proto) {
	case IPPROTO_TCP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put32(l4 + 4, 1000);
		put32(l4 + 8, s->tcp_flags & 0x10 ? 2000 : 0);
		l4[12] = 5 << 4;
		l4[13] = s->tcp_flags;
		put16(l4 + 14, 65535);
		break;
	case IPPROTO_UDP:
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)len);
		break;
	default:
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		if (s->inner) {
			put32(l4 + 4, s->icmp_word);
		} else {
			put16(l4 + 4, s->icmp_id);
			put16(l4 + 6, s->icmp_seq);
		}
		break;
	}
	if (!s->inner)
		for (size_t i = 0; i < s->payload; i++)
			data[i] = (uint8_t)(s->pattern + 7 * i + 1);
	if (!(s->proto == IPPROTO_UDP && s->udp_nocsum)) {
		uint16_t c = (uint16_t)~l4_sum(ip, s->proto, l4, len);

		if (s->proto == IPPROTO_UDP && !c)
			c = 0xffff;
		put16(l4 + csum_off(s->proto), c);
	}
	return E6_IP_HLEN + len;
}

size_t e6_build(void *buf, size_t cap, const struct e6_spec *s)
{
	uint8_t *f = buf;
	size_t n;

	if (cap < E6_ETH_HLEN)
		return 0;
	memcpy(f, s->dmac, 6);
	memcpy(f + 6, s->smac, 6);
	put16(f + 12, 0x86dd);
	n = e6_build_ip(f + E6_ETH_HLEN, cap - E6_ETH_HLEN, s);
	return n ? E6_ETH_HLEN + n : 0;
}

size_t e6_fragment(const uint8_t *whole, size_t len, size_t chunk, unsigned i, uint32_t id,
		   uint8_t *out)
{
	size_t hl = E6_ETH_HLEN + E6_IP_HLEN, payload = len - hl, off = i * chunk, n;
	uint8_t *ip = out + E6_ETH_HLEN, *fh = out + hl;

	if (off >= payload)
		return 0;
	n = payload - off < chunk ? payload - off : chunk;
	memcpy(out, whole, hl);
	put16(ip + 4, (uint16_t)(E6_FRAG_HLEN + n));
	ip[6] = 44;
	fh[0] = whole[E6_ETH_HLEN + 6];
	fh[1] = 0;
	put16(fh + 2, (uint16_t)((off / 8) << 3 | (off + n < payload ? 1 : 0)));
	put32(fh + 4, id);
	memcpy(fh + E6_FRAG_HLEN, whole + hl + off, n);
	return hl + E6_FRAG_HLEN + n;
}

/* The upper layer of the IPv6 packet at ip (avail bytes there): its
 * protocol, offset and length; false for a fragment other than a whole
 * datagram's only one. */
static bool upper(const uint8_t *ip, size_t avail, uint8_t *nh, size_t *off, size_t *len)
{
	size_t plen = get16(ip + 4);

	*nh = ip[6];
	*off = E6_IP_HLEN;
	if (*nh == 44) {
		if (get16(ip + 42) != 0) /* offset 0 and no M: not a fragment at all */
			return false;
		*nh = ip[40];
		*off += E6_FRAG_HLEN;
	}
	if (E6_IP_HLEN + plen > avail || plen < *off - E6_IP_HLEN)
		return false;
	*len = E6_IP_HLEN + plen - *off;
	return true;
}

bool e6_csums_ok(const uint8_t *frame, size_t len, int *checked)
{
	const uint8_t *ip = frame + E6_ETH_HLEN, *l4, *q;
	size_t off, l4len, qoff, qlen;
	uint8_t nh, qnh;

	*checked = 0;
	if (len < E6_ETH_HLEN + E6_IP_HLEN || get16(frame + 12) != 0x86dd ||
	    (ip[0] >> 4) != 6 || (size_t)E6_ETH_HLEN + E6_IP_HLEN + get16(ip + 4) != len)
		return false;
	if (!upper(ip, len - E6_ETH_HLEN, &nh, &off, &l4len))
		return true; /* a fragment: the reassembled datagram is checked */
	l4 = ip + off;
	if (nh == IPPROTO_UDP && get16(l4 + 6) == 0)
		return false;
	if (l4_sum(ip, nh, l4, l4len) != 0xffff)
		return false;
	(*checked)++;
	if (nh != IPPROTO_ICMPV6 || l4[0] >= 128 || l4len < 8 + E6_IP_HLEN)
		return true;
	/* An error: the quoted packet's own checksum, if all of it is here. */
	q = l4 + 8;
	if (!upper(q, l4len - 8, &qnh, &qoff, &qlen))
		return true;
	if (qnh == IPPROTO_UDP && get16(q + qoff + 6) == 0)
		return true; /* none (kept as it was) */
	if (l4_sum(q, qnh, q + qoff, qlen) != 0xffff)
		return false;
	(*checked)++;
	return true;
}

size_t e6_reassemble(const uint8_t *const *frames, const size_t *lens, unsigned n,
		     uint8_t *out)
{
	size_t hl = E6_ETH_HLEN + E6_IP_HLEN, total = 0, have = 0;
	uint8_t seen[E6_FRAME_MAX / 8] = { 0 };
	const uint8_t *first = NULL;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *ip = frames[i] + E6_ETH_HLEN, *fh = ip + E6_IP_HLEN;
		size_t off, len;

		if (ip[6] != 44 || lens[i] < hl + E6_FRAG_HLEN)
			return 0;
		if (first && (memcmp(ip + 8, first + E6_ETH_HLEN + 8, 32) ||
			      get32(fh + 4) != get32(first + hl + 4)))
			return 0;
		off = (get16(fh + 2) >> 3) * 8;
		len = lens[i] - hl - E6_FRAG_HLEN;
		if (hl + off + len > E6_FRAME_MAX)
			return 0;
		if (!off)
			first = frames[i];
		if (!(get16(fh + 2) & 1))
			total = off + len;
		memcpy(out + hl + off, fh + E6_FRAG_HLEN, len);
		for (size_t b = off / 8; b < (off + len + 7) / 8; b++)
			if (!seen[b]++)
				have += 8;
	}
	if (!first || !total || have < total)
		return 0;
	memcpy(out, first, hl);
	out[E6_ETH_HLEN + 6] = first[hl];
	put16(out + E6_ETH_HLEN + 4, (uint16_t)total);
	return hl + total;
}

const uint8_t *e6_saddr(const uint8_t *frame) { return frame + E6_ETH_HLEN + 8; }
const uint8_t *e6_daddr(const uint8_t *frame) { return frame + E6_ETH_HLEN + 24; }
uint8_t e6_hop(const uint8_t *frame) { return frame[E6_ETH_HLEN + 7]; }

uint32_t e6_frag_id(const uint8_t *frame)
{
	const uint8_t *ip = frame + E6_ETH_HLEN;

	return ip[6] == 44 ? get32(ip + E6_IP_HLEN + 4) : 0;
}

static const uint8_t *l4_of(const uint8_t *frame)
{
	const uint8_t *ip = frame + E6_ETH_HLEN;

	return ip + E6_IP_HLEN + (ip[6] == 44 ? E6_FRAG_HLEN : 0);
}

static uint8_t nh_of(const uint8_t *frame)
{
	const uint8_t *ip = frame + E6_ETH_HLEN;

	return ip[6] == 44 ? ip[E6_IP_HLEN] : ip[6];
}

uint16_t e6_sport(const uint8_t *frame)
{
	return get16(l4_of(frame) + (nh_of(frame) == IPPROTO_ICMPV6 ? 4 : 0));
}

uint16_t e6_dport(const uint8_t *frame)
{
	return get16(l4_of(frame) + (nh_of(frame) == IPPROTO_ICMPV6 ? 4 : 2));
}
