// SPDX-License-Identifier: Apache-2.0
/* IPv6 frames for the datapath's IPv6 rows (see pkt6.h). */
#include "pkt6.h"

#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t sum16(const uint8_t *d, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(d[i] << 8 | d[i + 1]);
	if (n & 1)
		s += (uint32_t)d[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The pseudo-header sum of an upper-layer message of len bytes. */
static uint32_t pseudo(const uint8_t *ip6, uint32_t len, uint8_t proto)
{
	uint32_t s = sum16(ip6 + 8, 32, 0);

	s += len >> 16;
	s += len & 0xffff;
	return s + proto;
}

void p6_addr(uint8_t out[16], const char *text)
{
	if (inet_pton(AF_INET6, text, out) != 1)
		memset(out, 0xee, 16);
}

size_t p6_build(uint8_t *buf, size_t cap, const struct p6_spec *s)
{
	uint8_t *ip = buf + 14, *l4;
	size_t off = 14 + P6_HLEN, l4len, hdr;
	uint8_t proto = s->proto;

	if (cap < PB6_MIN_CAP)
		return 0;
	memset(buf, 0, cap);
	memcpy(buf, s->dmac, 6);
	memcpy(buf + 6, s->smac, 6);
	put16(buf + 12, 0x86dd);
	put32(ip, 0x60000000);
	ip[7] = s->hop_limit ? s->hop_limit : 64;
	memcpy(ip + 8, s->saddr, 16);
	memcpy(ip + 24, s->daddr, 16);
	/* Extension headers: each names the next one. */
	ip[6] = s->n_ext ? s->ext[0] : proto;
	for (int i = 0; i < s->n_ext; i++) {
		uint8_t *h = buf + off;

		h[0] = i + 1 < s->n_ext ? s->ext[i + 1] : proto;
		if (s->ext[i] == P6_FRAG) {
			put16(h + 2, (uint16_t)(s->frag_off | (s->frag_more ? 1 : 0)));
			put32(h + 4, s->frag_id);
		} else if (s->ext[i] == P6_ROUTING) {
			h[1] = 0;  /* 8 bytes */
			h[2] = 4;  /* type 4 (segment routing), segments left 0 */
		} else {
			h[1] = 0;  /* 8 bytes: a PadN option of 4 */
			h[2] = 1;
			h[3] = 4;
		}
		off += 8;
	}
	l4 = buf + off;
	switch (proto) {
	case IPPROTO_TCP:
		hdr = 20;
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put32(l4 + 4, s->seq);
		put32(l4 + 8, s->ack);
		l4[12] = 5 << 4;
		l4[13] = s->tcp_flags;
		put16(l4 + 14, 64240);
		break;
	case IPPROTO_UDP:
		hdr = 8;
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		break;
	case P6_ICMP:
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		if (s->icmp_body) {
			memcpy(l4 + 4, s->icmp_body, s->icmp_body_len);
			hdr = 4 + s->icmp_body_len;
		} else {
			put16(l4 + 4, s->icmp_id);
			put16(l4 + 6, s->icmp_seq);
			hdr = 8;
		}
		break;
	default:
		hdr = 0;
	}
	if (off + hdr + s->payload > cap)
		return 0;
	for (size_t i = 0; i < s->payload; i++)
		l4[hdr + i] = (uint8_t)(0x41 + i % 26);
	l4len = hdr + s->payload;
	if (proto == IPPROTO_UDP)
		put16(l4 + 4, (uint16_t)l4len);
	put16(ip + 4, (uint16_t)(off - 14 - P6_HLEN + l4len));
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == P6_ICMP) {
		size_t c = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
		uint16_t sum = (uint16_t)~fold(sum16(l4, l4len, pseudo(ip, l4len, proto)));

		if (proto == IPPROTO_UDP && sum == 0)
			sum = 0xffff;
		if (s->bad_csum)
			sum++;
		if (proto == IPPROTO_UDP && s->udp_zero_csum)
			sum = 0;
		put16(l4 + c, sum);
	}
	if (s->plen)
		put16(ip + 4, s->plen);
	if (s->zero_plen)
		put16(ip + 4, 0);
	off += l4len;
	if (s->truncate && s->truncate < off)
		off = s->truncate;
	return off;
}

int p6_upper(const uint8_t *f, size_t len, uint8_t *proto, size_t *l4off)
{
	size_t off = 14 + P6_HLEN;
	uint8_t nh;

	if (len < off || f[12] != 0x86 || f[13] != 0xdd || (f[14] >> 4) != 6)
		return -1;
	if (off + (size_t)(f[18] << 8 | f[19]) != len)
		return -1;
	nh = f[20];
	while (nh == P6_HOP || nh == P6_DEST || nh == P6_ROUTING || nh == P6_FRAG) {
		if (off + 8 > len)
			return -1;
		size_t n = nh == P6_FRAG ? 8 : (size_t)(f[off + 1] + 1) * 8;

		nh = f[off];
		off += n;
	}
	*proto = nh;
	*l4off = off;
	return off <= len ? 0 : -1;
}

bool p6_l4_csum_ok(const uint8_t *f, size_t len)
{
	uint8_t proto;
	size_t l4;

	if (p6_upper(f, len, &proto, &l4))
		return false;
	if (proto == IPPROTO_UDP && f[l4 + 6] == 0 && f[l4 + 7] == 0)
		return false; /* IPv6 UDP must carry one */
	return fold(sum16(f + l4, len - l4, pseudo(f + 14, (uint32_t)(len - l4), proto))) ==
	       0xffff;
}
