/*
 * rlexplore.io._tfrecord: a fast reader of TensorBoard event files.
 *
 * Scans TFRecord framing (uint64 length, masked CRC32C of the length, data, masked
 * CRC32C of the data), checks both checksums, and decodes the scalar values of
 * Event/Summary/Value protos (simple_value, and tensors of tags that the "scalars"
 * plugin owns) into flat columns. Tags are interned: the columns hold tag ids, and
 * each call returns the tags first seen in it. The GIL is released while parsing, so
 * several files load in parallel threads.
 *
 * The pure-Python reference of the same parser is rlexplore/io/tfrecord.py
 * (class PyEventParser); both must give identical results.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <math.h>

/* ---------------------------------------------------------------- CRC32C */

static uint32_t crc_table[8][256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : (c >> 1);
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = crc_table[0][i];
        for (int t = 1; t < 8; t++) {
            c = crc_table[0][c & 0xff] ^ (c >> 8);
            crc_table[t][i] = c;
        }
    }
}

static uint32_t crc32c_sw(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    while (n && ((uintptr_t)p & 7)) { c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8); n--; }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= c;
        c = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^
            crc_table[5][(w >> 16) & 0xff] ^ crc_table[4][(w >> 24) & 0xff] ^
            crc_table[3][(w >> 32) & 0xff] ^ crc_table[2][(w >> 40) & 0xff] ^
            crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][(w >> 56) & 0xff];
        p += 8; n -= 8;
    }
    while (n--) c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_HW_CRC 1
__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(const uint8_t *p, size_t n) {
    uint64_t c = 0xFFFFFFFFu;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8; n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32 ^ 0xFFFFFFFFu;
}
#endif

static int use_hw_crc = 0;

static inline uint32_t crc32c(const uint8_t *p, size_t n) {
#ifdef HAVE_HW_CRC
    if (use_hw_crc) return crc32c_hw(p, n);
#endif
    return crc32c_sw(p, n);
}

static inline uint32_t masked_crc(const uint8_t *p, size_t n) {
    uint32_t c = crc32c(p, n);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

static inline uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t rd64(const uint8_t *p) {
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

/* ---------------------------------------------------------------- protobuf */

/* Read a varint; return the position after it, or NULL if malformed/truncated. */
static inline const uint8_t *rd_varint(const uint8_t *p, const uint8_t *end, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) { *out = v; return p; }
    }
    return NULL;
}

/* Skip a field of the given wire type; NULL if malformed. For length-delimited
   fields, *sub and *sub_end are set to the payload. */
static inline const uint8_t *skip_field(const uint8_t *p, const uint8_t *end, int wt,
                                        const uint8_t **sub, const uint8_t **sub_end) {
    uint64_t v;
    switch (wt) {
    case 0: return rd_varint(p, end, &v);
    case 1: return (end - p >= 8) ? p + 8 : NULL;
    case 5: return (end - p >= 4) ? p + 4 : NULL;
    case 2:
        p = rd_varint(p, end, &v);
        if (!p || v > (uint64_t)(end - p)) return NULL;
        if (sub) { *sub = p; *sub_end = p + v; }
        return p + v;
    default: return NULL; /* groups (3, 4) and invalid types */
    }
}

/* ---------------------------------------------------------------- growable buffers */

typedef struct { char *data; size_t len, cap; } buf_t;

static int buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) return -1;
    b->data = d; b->cap = cap;
    return 0;
}

/* ---------------------------------------------------------------- the parser object */

enum { KIND_UNKNOWN = 0, KIND_SCALARS = 1, KIND_TEXT = 2, KIND_HPARAMS = 3, KIND_OTHER = 4 };

enum { /* stats slots */
    ST_RECORDS, ST_EVENTS, ST_POINTS, ST_BAD_CRC, ST_CORRUPT_BYTES, ST_CORRUPT_REGIONS,
    ST_MALFORMED, ST_TRUNCATED_BYTES, ST_HISTOGRAMS, ST_IMAGES, ST_AUDIO, ST_TENSORS,
    ST_TEXT, ST_BAD_SCALARS, ST_N
};
static const char *stat_names[ST_N] = {
    "records", "events", "points", "bad_checksum", "corrupt_bytes", "corrupt_regions",
    "malformed", "truncated_bytes", "histograms", "images", "audio", "tensors", "text",
    "bad_scalars"
};

typedef struct {
    int32_t tag; int32_t kind; int64_t step; double wall;
    Py_ssize_t content_off, content_len, str_off, str_len;
} extra_t;

typedef struct {
    PyObject_HEAD
    char **tag_str;
    size_t *tag_len;
    uint8_t *tag_kind;
    int32_t n_tags, cap_tags, n_reported;
    int32_t *slots;
    size_t n_slots;
    int busy;
    int in_corrupt;
    /* per-call outputs */
    buf_t o_tag, o_step, o_val, o_wall, o_extra, o_start;
    int64_t stats[ST_N];
    Py_ssize_t fv_off, fv_len; /* file_version string in the buffer */
    int oom;
} Parser;

static uint64_t fnv1a(const uint8_t *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= s[i]; h *= 1099511628211ull; }
    return h;
}

static int grow_slots(Parser *P) {
    size_t n = P->n_slots ? P->n_slots * 2 : 256;
    int32_t *s = malloc(n * sizeof(int32_t));
    if (!s) return -1;
    for (size_t i = 0; i < n; i++) s[i] = -1;
    for (int32_t t = 0; t < P->n_tags; t++) {
        size_t i = fnv1a((const uint8_t *)P->tag_str[t], P->tag_len[t]) & (n - 1);
        while (s[i] >= 0) i = (i + 1) & (n - 1);
        s[i] = t;
    }
    free(P->slots);
    P->slots = s; P->n_slots = n;
    return 0;
}

/* Intern a tag; returns its id or -1 on out-of-memory. */
static int32_t intern(Parser *P, const uint8_t *s, size_t n) {
    if ((size_t)(P->n_tags + 1) * 2 > P->n_slots && grow_slots(P) < 0) return -1;
    size_t mask = P->n_slots - 1, i = fnv1a(s, n) & mask;
    while (P->slots[i] >= 0) {
        int32_t t = P->slots[i];
        if (P->tag_len[t] == n && memcmp(P->tag_str[t], s, n) == 0) return t;
        i = (i + 1) & mask;
    }
    if (P->n_tags == P->cap_tags) {
        int32_t cap = P->cap_tags ? P->cap_tags * 2 : 64;
        char **a = realloc(P->tag_str, cap * sizeof(char *));
        if (!a) return -1;
        P->tag_str = a;
        size_t *b = realloc(P->tag_len, cap * sizeof(size_t));
        if (!b) return -1;
        P->tag_len = b;
        uint8_t *c = realloc(P->tag_kind, cap);
        if (!c) return -1;
        P->tag_kind = c;
        P->cap_tags = cap;
    }
    char *copy = malloc(n ? n : 1);
    if (!copy) return -1;
    memcpy(copy, s, n);
    int32_t t = P->n_tags++;
    P->tag_str[t] = copy; P->tag_len[t] = n; P->tag_kind[t] = KIND_UNKNOWN;
    P->slots[i] = t;
    return t;
}

static int push_point(Parser *P, int32_t tag, int64_t step, double val, double wall) {
    if (buf_reserve(&P->o_tag, 4) || buf_reserve(&P->o_step, 8) ||
        buf_reserve(&P->o_val, 8) || buf_reserve(&P->o_wall, 8)) { P->oom = 1; return -1; }
    memcpy(P->o_tag.data + P->o_tag.len, &tag, 4); P->o_tag.len += 4;
    memcpy(P->o_step.data + P->o_step.len, &step, 8); P->o_step.len += 8;
    memcpy(P->o_val.data + P->o_val.len, &val, 8); P->o_val.len += 8;
    memcpy(P->o_wall.data + P->o_wall.len, &wall, 8); P->o_wall.len += 8;
    return 0;
}

static double half_to_double(uint16_t h) {
    int s = (h >> 15) & 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0) v = ldexp((double)m, -24);
    else if (e == 31) v = m ? NAN : INFINITY;
    else v = ldexp((double)(m | 0x400), e - 25);
    return s ? -v : v;
}

static double bf16_to_double(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return (double)f;
}

/* Decode a TensorProto holding one number. Returns 1 and sets *out on success,
   0 if it is not a single numeric value, -1 if malformed. */
static int tensor_scalar(const uint8_t *p, const uint8_t *end, double *out) {
    uint64_t dtype = 0, key, v;
    int all_one = 1;           /* every dimension has size 1 */
    const uint8_t *content = NULL, *content_end = NULL;
    int have = 0;          /* number of typed values seen */
    double first = 0.0;
    while (p < end) {
        p = rd_varint(p, end, &key);
        if (!p) return -1;
        int field = (int)(key >> 3), wt = (int)(key & 7);
        const uint8_t *s = NULL, *se = NULL;
        if (field == 1 && wt == 0) {
            p = rd_varint(p, end, &dtype);
            if (!p) return -1;
        } else if (field == 2 && wt == 2) { /* TensorShapeProto */
            p = skip_field(p, end, wt, &s, &se);
            if (!p) return -1;
            while (s < se) {
                s = rd_varint(s, se, &key);
                if (!s) return -1;
                const uint8_t *d = NULL, *de = NULL;
                if ((key >> 3) == 2 && (key & 7) == 2) {
                    s = skip_field(s, se, 2, &d, &de);
                    if (!s) return -1;
                    int64_t size = 0;
                    while (d < de) {
                        uint64_t k2;
                        d = rd_varint(d, de, &k2);
                        if (!d) return -1;
                        if ((k2 >> 3) == 1 && (k2 & 7) == 0) {
                            d = rd_varint(d, de, &v);
                            if (!d) return -1;
                            size = (int64_t)v;
                        } else {
                            d = skip_field(d, de, (int)(k2 & 7), NULL, NULL);
                            if (!d) return -1;
                        }
                    }
                    if (size != 1) all_one = 0;
                } else {
                    s = skip_field(s, se, (int)(key & 7), NULL, NULL);
                    if (!s) return -1;
                }
            }
        } else if (field == 4 && wt == 2) {
            p = skip_field(p, end, wt, &content, &content_end);
            if (!p) return -1;
        } else if ((field == 5 && (wt == 5 || wt == 2)) || (field == 6 && (wt == 1 || wt == 2)) ||
                   ((field == 7 || field == 10 || field == 11 || field == 13 || field == 16 ||
                     field == 17) && (wt == 0 || wt == 2))) {
            /* typed values, packed (wt 2) or not */
            const uint8_t *q, *qe;
            if (wt == 2) { p = skip_field(p, end, 2, &q, &qe); if (!p) return -1; }
            else { q = p; qe = end; }
            while (q < qe) {
                double x;
                if (field == 5) {
                    if (qe - q < 4) return -1;
                    uint32_t b = rd32(q); float f; memcpy(&f, &b, 4); x = f; q += 4;
                } else if (field == 6) {
                    if (qe - q < 8) return -1;
                    uint64_t b = rd64(q); memcpy(&x, &b, 8); q += 8;
                } else {
                    q = rd_varint(q, qe, &v);
                    if (!q) return -1;
                    if (field == 7) x = (double)(int32_t)(uint32_t)v;
                    else if (field == 10) x = (double)(int64_t)v;
                    else if (field == 11) x = v ? 1.0 : 0.0;
                    else if (field == 13) x = (dtype == 14) ? bf16_to_double((uint16_t)v)
                                                            : half_to_double((uint16_t)v);
                    else if (field == 16) x = (double)(uint32_t)v;
                    else x = (double)v;
                }
                if (!have) first = x;
                have++;
                if (wt != 2) break;
            }
            if (wt != 2) p = q;
        } else {
            p = skip_field(p, end, wt, NULL, NULL);
            if (!p) return -1;
        }
    }
    if (!all_one) return 0;
    if (content) {
        size_t n = (size_t)(content_end - content);
        switch (dtype) {
        case 1: if (n != 4) return 0; { uint32_t b = rd32(content); float f; memcpy(&f, &b, 4); *out = f; } return 1;
        case 2: if (n != 8) return 0; { uint64_t b = rd64(content); memcpy(out, &b, 8); } return 1;
        case 3: if (n != 4) return 0; *out = (double)(int32_t)rd32(content); return 1;
        case 4: if (n != 1) return 0; *out = (double)content[0]; return 1;
        case 5: if (n != 2) return 0; *out = (double)(int16_t)(content[0] | (content[1] << 8)); return 1;
        case 6: if (n != 1) return 0; *out = (double)(int8_t)content[0]; return 1;
        case 9: if (n != 8) return 0; *out = (double)(int64_t)rd64(content); return 1;
        case 10: if (n != 1) return 0; *out = content[0] ? 1.0 : 0.0; return 1;
        case 14: if (n != 2) return 0; *out = bf16_to_double((uint16_t)(content[0] | (content[1] << 8))); return 1;
        case 17: if (n != 2) return 0; *out = (double)(uint16_t)(content[0] | (content[1] << 8)); return 1;
        case 19: if (n != 2) return 0; *out = half_to_double((uint16_t)(content[0] | (content[1] << 8))); return 1;
        case 22: if (n != 4) return 0; *out = (double)rd32(content); return 1;
        case 23: if (n != 8) return 0; *out = (double)rd64(content); return 1;
        default: return 0;
        }
    }
    if (have == 1) {
        switch (dtype) {
        case 1: case 2: case 3: case 4: case 5: case 6: case 9: case 10: case 14: case 17:
        case 19: case 22: case 23:
            *out = first; return 1;
        default: return 0;
        }
    }
    return 0;
}

/* The first string_val of a DT_STRING TensorProto: sets *s, *se. */
static int tensor_first_string(const uint8_t *p, const uint8_t *end,
                               const uint8_t **s, const uint8_t **se) {
    uint64_t key;
    while (p < end) {
        p = rd_varint(p, end, &key);
        if (!p) return -1;
        const uint8_t *a = NULL, *b = NULL;
        p = skip_field(p, end, (int)(key & 7), &a, &b);
        if (!p) return -1;
        if ((key >> 3) == 8 && (key & 7) == 2 && !*s) { *s = a; *se = b; }
    }
    return 0;
}

static int plugin_kind(const uint8_t *name, size_t n) {
    if (n == 7 && !memcmp(name, "scalars", 7)) return KIND_SCALARS;
    if (n == 4 && !memcmp(name, "text", 4)) return KIND_TEXT;
    if (n == 7 && !memcmp(name, "hparams", 7)) return KIND_HPARAMS;
    return KIND_OTHER;
}

/* Parse SummaryMetadata: plugin kind (0 when none), plugin content range. */
static int parse_metadata(const uint8_t *p, const uint8_t *end, int *kind,
                          const uint8_t **content, const uint8_t **content_end) {
    uint64_t key, v;
    int data_class_scalar = 0;
    while (p < end) {
        p = rd_varint(p, end, &key);
        if (!p) return -1;
        int field = (int)(key >> 3), wt = (int)(key & 7);
        const uint8_t *s = NULL, *se = NULL;
        if (field == 1 && wt == 2) {
            p = skip_field(p, end, wt, &s, &se);
            if (!p) return -1;
            while (s < se) {
                s = rd_varint(s, se, &key);
                if (!s) return -1;
                const uint8_t *a = NULL, *b = NULL;
                s = skip_field(s, se, (int)(key & 7), &a, &b);
                if (!s) return -1;
                if ((key >> 3) == 1 && (key & 7) == 2 && b > a) *kind = plugin_kind(a, (size_t)(b - a));
                else if ((key >> 3) == 2 && (key & 7) == 2) { *content = a; *content_end = b; }
            }
        } else if (field == 4 && wt == 0) {
            p = rd_varint(p, end, &v);
            if (!p) return -1;
            if (v == 1) data_class_scalar = 1;
        } else {
            p = skip_field(p, end, wt, NULL, NULL);
            if (!p) return -1;
        }
    }
    if (*kind == 0 && data_class_scalar) *kind = KIND_SCALARS;
    return 0;
}

static int push_extra(Parser *P, int32_t tag, int kind, int64_t step, double wall,
                      const uint8_t *base, const uint8_t *c, const uint8_t *ce,
                      const uint8_t *s, const uint8_t *se) {
    if (P->o_extra.len / sizeof(extra_t) >= 100000) return 0; /* enough */
    if (buf_reserve(&P->o_extra, sizeof(extra_t))) { P->oom = 1; return -1; }
    extra_t e;
    e.tag = tag; e.kind = kind; e.step = step; e.wall = wall;
    e.content_off = c ? (Py_ssize_t)(c - base) : -1;
    e.content_len = c ? (Py_ssize_t)(ce - c) : 0;
    e.str_off = s ? (Py_ssize_t)(s - base) : -1;
    e.str_len = s ? (Py_ssize_t)(se - s) : 0;
    memcpy(P->o_extra.data + P->o_extra.len, &e, sizeof e);
    P->o_extra.len += sizeof e;
    return 0;
}

/* Parse one Summary.Value. Returns -1 if malformed, -2 on out-of-memory. */
static int parse_value(Parser *P, const uint8_t *p, const uint8_t *end, int64_t step,
                       double wall, const uint8_t *base) {
    uint64_t key;
    const uint8_t *tag = NULL, *tag_end = NULL, *tensor = NULL, *tensor_end = NULL;
    const uint8_t *meta = NULL, *meta_end = NULL;
    int has_simple = 0, seen_tag = 0;
    float simple = 0.0f;
    int other = -1;
    while (p < end) {
        p = rd_varint(p, end, &key);
        if (!p) return -1;
        int field = (int)(key >> 3), wt = (int)(key & 7);
        const uint8_t *s = NULL, *se = NULL;
        if (field == 2 && wt == 5) {
            if (end - p < 4) return -1;
            uint32_t b = rd32(p); memcpy(&simple, &b, 4); has_simple = 1; p += 4;
            continue;
        }
        p = skip_field(p, end, wt, &s, &se);
        if (!p) return -1;
        if (wt != 2) continue;
        switch (field) {
        case 1: tag = s; tag_end = se; seen_tag = 1; break;
        case 8: tensor = s; tensor_end = se; break;
        case 9: meta = s; meta_end = se; break;
        case 3: case 5: other = ST_HISTOGRAMS; break;
        case 4: other = ST_IMAGES; break;
        case 6: other = ST_AUDIO; break;
        default: break;
        }
    }
    if (!seen_tag) { tag = (const uint8_t *)""; tag_end = tag; }
    int32_t t = intern(P, tag, (size_t)(tag_end - tag));
    if (t < 0) { P->oom = 1; return -2; }
    const uint8_t *content = NULL, *content_end = NULL;
    int kind = 0;
    if (meta) {
        if (parse_metadata(meta, meta_end, &kind, &content, &content_end) < 0) return -1;
        if (kind && P->tag_kind[t] == KIND_UNKNOWN) P->tag_kind[t] = (uint8_t)kind;
    }
    if (has_simple) {
        if (push_point(P, t, step, (double)simple, wall)) return -2;
        P->stats[ST_POINTS]++;
        return 0;
    }
    int tk = P->tag_kind[t];
    if (tensor) {
        if (tk == KIND_SCALARS) {
            double x;
            int r = tensor_scalar(tensor, tensor_end, &x);
            if (r < 0) return -1;
            if (r == 0) { P->stats[ST_BAD_SCALARS]++; return 0; }
            if (push_point(P, t, step, x, wall)) return -2;
            P->stats[ST_POINTS]++;
            return 0;
        }
        if (tk == KIND_TEXT) {
            const uint8_t *s = NULL, *se = NULL;
            if (tensor_first_string(tensor, tensor_end, &s, &se) < 0) return -1;
            P->stats[ST_TEXT]++;
            return push_extra(P, t, KIND_TEXT, step, wall, base, NULL, NULL, s, se) ? -2 : 0;
        }
        if (tk == KIND_HPARAMS) {
            return push_extra(P, t, KIND_HPARAMS, step, wall, base, content, content_end, NULL, NULL) ? -2 : 0;
        }
        P->stats[ST_TENSORS]++;
        return 0;
    }
    if (tk == KIND_HPARAMS && content)
        return push_extra(P, t, KIND_HPARAMS, step, wall, base, content, content_end, NULL, NULL) ? -2 : 0;
    if (other >= 0) P->stats[other]++;
    return 0;
}

/* Parse one Event record. Returns 0, -1 if malformed, -2 on out-of-memory. */
static int parse_event(Parser *P, const uint8_t *p, const uint8_t *end, const uint8_t *base) {
    uint64_t key, v;
    double wall = 0.0;
    int64_t step = 0;
    const uint8_t *summary = NULL, *summary_end = NULL, *slog = NULL, *slog_end = NULL;
    const uint8_t *fv = NULL, *fv_end = NULL;
    /* wall_time and step may come after the summary: find them first. */
    const uint8_t *q = p;
    while (q < end) {
        q = rd_varint(q, end, &key);
        if (!q) return -1;
        int field = (int)(key >> 3), wt = (int)(key & 7);
        const uint8_t *s = NULL, *se = NULL;
        if (field == 1 && wt == 1) {
            if (end - q < 8) return -1;
            uint64_t b = rd64(q); memcpy(&wall, &b, 8); q += 8;
        } else if (field == 2 && wt == 0) {
            q = rd_varint(q, end, &v);
            if (!q) return -1;
            step = (int64_t)v;
        } else {
            q = skip_field(q, end, wt, &s, &se);
            if (!q) return -1;
            if (wt == 2 && field == 5) { summary = s; summary_end = se; }
            else if (wt == 2 && field == 7) { slog = s; slog_end = se; }
            else if (wt == 2 && field == 3) { fv = s; fv_end = se; }
        }
    }
    if (fv && P->fv_off < 0) { P->fv_off = (Py_ssize_t)(fv - base); P->fv_len = (Py_ssize_t)(fv_end - fv); }
    if (slog) {
        const uint8_t *s = slog;
        while (s < slog_end) {
            s = rd_varint(s, slog_end, &key);
            if (!s) return -1;
            if ((key >> 3) == 1 && (key & 7) == 0) {
                s = rd_varint(s, slog_end, &v);
                if (!s) return -1;
                if (v == 1) { /* SessionLog.START: (point index, step) */
                    if (buf_reserve(&P->o_start, 16)) { P->oom = 1; return -2; }
                    int64_t pair[2] = { (int64_t)(P->o_step.len / 8), step };
                    memcpy(P->o_start.data + P->o_start.len, pair, 16);
                    P->o_start.len += 16;
                }
            } else {
                s = skip_field(s, slog_end, (int)(key & 7), NULL, NULL);
                if (!s) return -1;
            }
        }
    }
    if (summary) {
        P->stats[ST_EVENTS]++;
        const uint8_t *s = summary;
        while (s < summary_end) {
            s = rd_varint(s, summary_end, &key);
            if (!s) return -1;
            const uint8_t *a = NULL, *b = NULL;
            s = skip_field(s, summary_end, (int)(key & 7), &a, &b);
            if (!s) return -1;
            if ((key >> 3) == 1 && (key & 7) == 2) {
                int r = parse_value(P, a, b, step, wall, base);
                if (r < 0) return r;
            }
        }
    }
    return 0;
}

/* Scan records in buf[start:n]. Returns the offset after the last complete record. */
static Py_ssize_t scan(Parser *P, const uint8_t *buf, Py_ssize_t start, Py_ssize_t n, int final) {
    Py_ssize_t pos = start;
    while (pos < n) {
        if (n - pos < 12) break;
        uint64_t len = rd64(buf + pos);
        if (masked_crc(buf + pos, 8) != rd32(buf + pos + 8)) {
            /* Framing lost: resynchronise one byte at a time. */
            if (!P->in_corrupt) { P->stats[ST_CORRUPT_REGIONS]++; P->in_corrupt = 1; }
            P->stats[ST_CORRUPT_BYTES]++;
            pos++;
            continue;
        }
        if (n - pos < 16 || len > (uint64_t)(n - pos - 16)) break; /* incomplete record */
        P->in_corrupt = 0;
        const uint8_t *data = buf + pos + 12;
        Py_ssize_t next = pos + 16 + (Py_ssize_t)len;
        P->stats[ST_RECORDS]++;
        if (masked_crc(data, (size_t)len) != rd32(data + len)) {
            P->stats[ST_BAD_CRC]++;
            pos = next;
            continue;
        }
        size_t n_points = P->o_step.len / 8, n_extra = P->o_extra.len, n_start = P->o_start.len;
        int64_t points_before = P->stats[ST_POINTS];
        int64_t kinds_before[ST_N];
        memcpy(kinds_before, P->stats, sizeof kinds_before);
        int r = parse_event(P, data, data + len, buf);
        if (r == -2) return pos;
        if (r < 0) {
            /* roll back what this record emitted */
            P->o_tag.len = n_points * 4; P->o_step.len = n_points * 8;
            P->o_val.len = n_points * 8; P->o_wall.len = n_points * 8;
            P->o_extra.len = n_extra; P->o_start.len = n_start;
            for (int k = ST_EVENTS; k < ST_N; k++)
                if (k != ST_BAD_CRC && k != ST_CORRUPT_BYTES && k != ST_CORRUPT_REGIONS)
                    P->stats[k] = kinds_before[k];
            P->stats[ST_POINTS] = points_before;
            P->stats[ST_MALFORMED]++;
        }
        pos = next;
    }
    if (final) {
        if (pos < n) P->stats[ST_TRUNCATED_BYTES] += n - pos;
        P->in_corrupt = 0;
    }
    return pos;
}

static void reset_outputs(Parser *P, int keep) {
    if (!keep) P->o_tag.len = P->o_step.len = P->o_val.len = P->o_wall.len = 0;
    P->o_extra.len = P->o_start.len = 0;
    memset(P->stats, 0, sizeof P->stats);
    P->fv_off = -1; P->fv_len = 0; P->oom = 0;
}

static void free_outputs(Parser *P) {
    buf_t *bs[] = { &P->o_tag, &P->o_step, &P->o_val, &P->o_wall, &P->o_extra, &P->o_start };
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++) {
        free(bs[i]->data); bs[i]->data = NULL; bs[i]->len = bs[i]->cap = 0;
    }
}

static PyObject *bytes_of(buf_t *b) {
    return PyBytes_FromStringAndSize(b->data ? b->data : "", (Py_ssize_t)b->len);
}

static PyObject *decode_str(const char *s, Py_ssize_t n) {
    return PyUnicode_DecodeUTF8(s, n, "replace");
}

static PyObject *Parser_feed(Parser *P, PyObject *args, PyObject *kw) {
    static char *kwlist[] = { "buffer", "start", "final", "keep", NULL };
    Py_buffer view;
    Py_ssize_t start = 0;
    int final = 0, keep = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*|npp", kwlist, &view, &start, &final, &keep))
        return NULL;
    if (start < 0 || start > view.len) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "start is outside the buffer");
        return NULL;
    }
    if (P->busy) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_RuntimeError, "EventParser used from two threads at once");
        return NULL;
    }
    P->busy = 1;
    reset_outputs(P, keep);
    Py_ssize_t end_pos;
    Py_BEGIN_ALLOW_THREADS
    end_pos = scan(P, (const uint8_t *)view.buf, start, view.len, final);
    Py_END_ALLOW_THREADS
    PyObject *result = NULL, *tags = NULL, *extras = NULL, *starts = NULL, *stats = NULL, *fv = NULL;
    if (P->oom) { PyErr_NoMemory(); goto done; }
    tags = PyList_New(0);
    if (!tags) goto done;
    for (int32_t t = P->n_reported; t < P->n_tags; t++) {
        PyObject *s = decode_str(P->tag_str[t], (Py_ssize_t)P->tag_len[t]);
        if (!s || PyList_Append(tags, s) < 0) { Py_XDECREF(s); goto done; }
        Py_DECREF(s);
    }
    extras = PyList_New(0);
    if (!extras) goto done;
    const char *base = (const char *)view.buf;
    for (size_t i = 0; i < P->o_extra.len / sizeof(extra_t); i++) {
        extra_t e;
        memcpy(&e, P->o_extra.data + i * sizeof(extra_t), sizeof e);
        PyObject *item = Py_BuildValue(
            "(iiLdy#y#)", (int)e.tag, (int)e.kind, (long long)e.step, e.wall,
            e.content_off >= 0 ? base + e.content_off : "", e.content_off >= 0 ? e.content_len : 0,
            e.str_off >= 0 ? base + e.str_off : "", e.str_off >= 0 ? e.str_len : 0);
        if (!item || PyList_Append(extras, item) < 0) { Py_XDECREF(item); goto done; }
        Py_DECREF(item);
    }
    starts = PyList_New(0);
    if (!starts) goto done;
    for (size_t i = 0; i < P->o_start.len / 16; i++) {
        int64_t pair[2];
        memcpy(pair, P->o_start.data + i * 16, 16);
        PyObject *item = Py_BuildValue("(LL)", (long long)pair[0], (long long)pair[1]);
        if (!item || PyList_Append(starts, item) < 0) { Py_XDECREF(item); goto done; }
        Py_DECREF(item);
    }
    stats = PyDict_New();
    if (!stats) goto done;
    for (int k = 0; k < ST_N; k++) {
        PyObject *v = PyLong_FromLongLong(P->stats[k]);
        if (!v || PyDict_SetItemString(stats, stat_names[k], v) < 0) { Py_XDECREF(v); goto done; }
        Py_DECREF(v);
    }
    if (P->fv_off >= 0) fv = decode_str(base + P->fv_off, P->fv_len);
    else { fv = Py_None; Py_INCREF(fv); }
    if (!fv) goto done;
    if (keep) {
        buf_t empty = { NULL, 0, 0 };
        result = Py_BuildValue("(nNNNNNNNNN)", end_pos, tags, bytes_of(&empty), bytes_of(&empty),
                               bytes_of(&empty), bytes_of(&empty), stats, extras, starts, fv);
    } else {
        result = Py_BuildValue("(nNNNNNNNNN)", end_pos, tags, bytes_of(&P->o_tag),
                               bytes_of(&P->o_step), bytes_of(&P->o_val), bytes_of(&P->o_wall),
                               stats, extras, starts, fv);
    }
    tags = extras = starts = stats = fv = NULL; /* stolen by N */
    if (result) P->n_reported = P->n_tags;
done:
    Py_XDECREF(tags); Py_XDECREF(extras); Py_XDECREF(starts); Py_XDECREF(stats); Py_XDECREF(fv);
    /* keep capacity for the next chunk, but drop very large buffers */
    if (!keep && P->o_step.cap > ((size_t)64 << 20)) free_outputs(P);
    P->busy = 0;
    PyBuffer_Release(&view);
    return result;
}

/* Hand over the accumulated columns, one at a time, freeing each C buffer as it goes. */
static PyObject *Parser_take(Parser *P, PyObject *noargs) {
    (void)noargs;
    if (P->busy) {
        PyErr_SetString(PyExc_RuntimeError, "EventParser used from two threads at once");
        return NULL;
    }
    buf_t *bs[] = { &P->o_tag, &P->o_step, &P->o_val, &P->o_wall };
    PyObject *out = PyTuple_New(4);
    if (!out) return NULL;
    for (int i = 0; i < 4; i++) {
        PyObject *b = bytes_of(bs[i]);
        if (!b) { Py_DECREF(out); return NULL; }
        PyTuple_SET_ITEM(out, i, b);
        free(bs[i]->data); bs[i]->data = NULL; bs[i]->len = bs[i]->cap = 0;
    }
    return out;
}

static PyObject *Parser_tag_kinds(Parser *P, PyObject *noargs) {
    (void)noargs;
    PyObject *out = PyList_New(P->n_tags);
    if (!out) return NULL;
    for (int32_t t = 0; t < P->n_tags; t++) PyList_SET_ITEM(out, t, PyLong_FromLong(P->tag_kind[t]));
    return out;
}

static void Parser_dealloc(Parser *P) {
    for (int32_t t = 0; t < P->n_tags; t++) free(P->tag_str[t]);
    free(P->tag_str); free(P->tag_len); free(P->tag_kind); free(P->slots);
    free_outputs(P);
    Py_TYPE(P)->tp_free((PyObject *)P);
}

static PyObject *Parser_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    (void)args; (void)kw;
    Parser *P = (Parser *)type->tp_alloc(type, 0);
    if (!P) return NULL;
    P->fv_off = -1;
    return (PyObject *)P;
}

static PyMethodDef Parser_methods[] = {
    {"feed", (PyCFunction)(void (*)(void))Parser_feed, METH_VARARGS | METH_KEYWORDS,
     "feed(buffer, start=0, final=False, keep=False) -> (end, new_tags, tag_ids, steps,\n"
     "values, wall_times, stats, extras, session_starts, file_version)\n\n"
     "Parse the complete records of buffer[start:]; `end` is the offset after the last\n"
     "complete record. Column outputs are raw bytes (int32, int64, float64, float64).\n"
     "With keep=True the columns accumulate in the parser (returned empty) until take();\n"
     "session_starts then index the accumulated columns."},
    {"take", (PyCFunction)Parser_take, METH_NOARGS,
     "take() -> (tag_ids, steps, values, wall_times): the columns accumulated by\n"
     "feed(..., keep=True) calls, as bytes; the parser's buffers are emptied."},
    {"tag_kinds", (PyCFunction)Parser_tag_kinds, METH_NOARGS,
     "Plugin kind of each interned tag (0 unknown, 1 scalars, 2 text, 3 hparams, 4 other)."},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject ParserType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rlexplore.io._tfrecord.EventParser",
    .tp_basicsize = sizeof(Parser),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Incremental parser of TensorBoard event-file bytes (keeps interned tags).",
    .tp_new = Parser_new,
    .tp_dealloc = (destructor)Parser_dealloc,
    .tp_methods = Parser_methods,
};

static PyObject *py_masked_crc32c(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    uint32_t c = masked_crc((const uint8_t *)view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(c);
}

static PyMethodDef module_methods[] = {
    {"masked_crc32c", py_masked_crc32c, METH_VARARGS, "Masked CRC32C of a bytes-like object."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_tfrecord", "Fast TensorBoard event-file parser.", -1, module_methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__tfrecord(void) {
    crc_init();
#ifdef HAVE_HW_CRC
    __builtin_cpu_init();
    use_hw_crc = __builtin_cpu_supports("sse4.2");
#endif
    if (PyType_Ready(&ParserType) < 0) return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (!m) return NULL;
    Py_INCREF(&ParserType);
    if (PyModule_AddObject(m, "EventParser", (PyObject *)&ParserType) < 0) {
        Py_DECREF(&ParserType); Py_DECREF(m); return NULL;
    }
    PyModule_AddIntConstant(m, "HW_CRC", use_hw_crc);
    return m;
}
