/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests of the byte-level BPE tokenizer on tiny hand-made vocabularies: merge order,
 * every byte, added and control tokens, streaming decoding, pre-tokenizer corner cases,
 * thread safety, and the errors a bad vocabulary or bad input must produce.
 */
#include "config.h"

#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-tokenizer.h"

/* GPT-2's bytes_to_unicode, written out again so the test does not trust the engine's. */
static gunichar
byte_cp (guint b)
{
  guint n = 0;

  for (guint i = 0; i < 256; i++)
    {
      gboolean printable = (i >= 33 && i <= 126) || (i >= 161 && i <= 172) || i >= 174;

      if (i == b)
        return printable ? i : 256 + n;
      if (!printable)
        n++;
    }
  g_assert_not_reached ();
}

/* Converts a readable token ("ab", " x") to its byte-level form ("ab", "Ġx"). */
static char *
bl (const char *raw)
{
  GString *s = g_string_new (NULL);

  for (const guchar *p = (const guchar *) raw; *p; p++)
    g_string_append_unichar (s, byte_cp (*p));
  return g_string_free (s, FALSE);
}

typedef struct
{
  const char *text;   /* readable; converted with bl() unless type is control/user */
  gint32      type;
} Extra;

/* 256 byte tokens (id = byte value), then @extras in order (ids 256...), then @merges
 * given in readable form ("a b"). */
static SeTokenizer *
make_tok (const char   *pre,
          const Extra  *extras,
          const char  **merges,
          GError      **error)
{
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) types = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr(GPtrArray) m = g_ptr_array_new_with_free_func (g_free);
  SeTokenizerSpec spec = { 0 };
  gint32 normal = SE_TOKEN_TYPE_NORMAL;

  for (guint b = 0; b < 256; b++)
    {
      char buf[8] = { 0 };

      g_unichar_to_utf8 (byte_cp (b), buf);
      g_ptr_array_add (tokens, g_strdup (buf));
      g_array_append_val (types, normal);
    }
  for (const Extra *e = extras; e && e->text; e++)
    {
      gboolean raw = e->type == SE_TOKEN_TYPE_CONTROL || e->type == SE_TOKEN_TYPE_USER_DEFINED;

      g_ptr_array_add (tokens, raw ? g_strdup (e->text) : bl (e->text));
      g_array_append_val (types, e->type);
    }
  for (const char **p = merges; p && *p; p++)
    {
      g_auto(GStrv) parts = g_strsplit (*p, " ", 2);
      g_autofree char *a = bl (parts[0]);
      g_autofree char *b = parts[1] ? bl (parts[1]) : NULL;

      /* A merge without a space is passed on as it is, to test the error. */
      g_ptr_array_add (m, b ? g_strconcat (a, " ", b, NULL) : g_strdup (a));
    }
  spec.model = "gpt2";
  spec.pre = pre;
  spec.n_tokens = tokens->len;
  spec.tokens = (const char *const *) tokens->pdata;
  spec.token_types = (const gint32 *) (void *) types->data;
  spec.n_merges = m->len;
  spec.merges = (const char *const *) m->pdata;
  spec.bos_id = -1;
  spec.eos_id = -1;
  spec.pad_id = -1;
  return se_tokenizer_new (&spec, error);
}

static GArray *
encode (SeTokenizer    *tok,
        const char     *text,
        SeTokenizeFlags flags)
{
  g_autoptr(GError) error = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));

  g_assert_true (se_tokenizer_encode_append (tok, text, -1, flags, ids, &error));
  g_assert_no_error (error);
  return ids;
}

static void
assert_ids (GArray       *ids,
            const gint32 *expected,
            guint         n)
{
  g_assert_cmpmem (ids->data, ids->len * sizeof (gint32), expected, n * sizeof (gint32));
}

static void
test_merge_order (void)
{
  static const Extra extras[] = { { "ab", 1 }, { "bc", 1 }, { "abc", 1 }, { "aa", 1 }, { NULL } };
  static const char *bc_first[] = { "b c", "a b", "ab c", "a a", NULL };
  static const char *ab_first[] = { "a b", "b c", "ab c", "a a", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SeTokenizer) t1 = make_tok ("qwen2", extras, bc_first, &error);
  g_autoptr(SeTokenizer) t2 = make_tok ("qwen2", extras, ab_first, &error);
  g_autoptr(GArray) r1 = NULL, r2 = NULL, r3 = NULL;

  g_assert_no_error (error);
  r1 = encode (t1, "abc", 0);
  assert_ids (r1, (gint32[]) { 'a', 257 }, 2);       /* "b c" ranks first: a + bc */
  r2 = encode (t2, "abc", 0);
  assert_ids (r2, (gint32[]) { 258 }, 1);            /* "a b" first, then "ab c" */
  r3 = encode (t2, "aaa", 0);
  assert_ids (r3, (gint32[]) { 259, 'a' }, 2);       /* ties merge leftmost first */
}

static void
test_every_byte (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeTokenizer) tok = make_tok ("qwen2", NULL, NULL, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  g_assert_no_error (error);
  for (guint b = 0; b < 256; b++)
    {
      gsize len = 0;
      const char *piece = se_tokenizer_token_to_piece (tok, (gint32) b, &len);
      gint32 id = (gint32) b;
      g_autofree char *text = se_tokenizer_decode (tok, &id, 1, FALSE, &len);

      g_assert_cmpuint (len, ==, 1);
      g_assert_cmpint ((guchar) piece[0], ==, b);
      g_assert_cmpint ((guchar) text[0], ==, b);
    }
  for (guint round = 0; round < 300; round++)
    {
      g_autoptr(GString) s = g_string_new (NULL);
      g_autofree gint32 *ids = NULL;
      g_autofree char *back = NULL, *nfc = NULL;
      gsize n = 0, len = 0;

      for (guint k = 0; k < 1 + round % 17; k++)
        {
          gunichar c;

          do
            c = g_rand_int_range (rand, 1, round % 3 == 0 ? 0x80 : 0x110000);
          while (c >= 0xD800 && c <= 0xDFFF);
          g_string_append_unichar (s, c);
        }
      ids = se_tokenizer_encode (tok, s->str, s->len, 0, &n, &error);
      g_assert_no_error (error);
      back = se_tokenizer_decode (tok, ids, n, FALSE, &len);
      nfc = g_utf8_normalize (s->str, s->len, G_NORMALIZE_NFC);
      g_assert_cmpstr (back, ==, nfc);
    }
}

static const Extra added_extras[] = {
  { "<|im_start|>", SE_TOKEN_TYPE_CONTROL },      /* 256 */
  { "<|im_end|>", SE_TOKEN_TYPE_CONTROL },        /* 257 */
  { "<think>", SE_TOKEN_TYPE_USER_DEFINED },      /* 258 */
  { "<|im", SE_TOKEN_TYPE_USER_DEFINED },         /* 259: a shorter rival */
  { NULL }
};

static void
test_added_tokens (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeTokenizer) tok = make_tok ("qwen2", added_extras, NULL, &error);
  g_autoptr(GArray) special = NULL, plain = NULL, think = NULL;
  g_autofree char *hidden = NULL, *shown = NULL;

  g_assert_no_error (error);
  special = encode (tok, "<|im_start|>hi<think>", SE_TOKENIZE_PARSE_SPECIAL);
  assert_ids (special, (gint32[]) { 256, 'h', 'i', 258 }, 4);   /* longest match wins */

  /* Without PARSE_SPECIAL the control token is text: the user-defined "<|im" still
   * matches, the rest is ordinary bytes, and no control id appears. */
  plain = encode (tok, "<|im_start|>hi<think>", 0);
  assert_ids (plain, (gint32[]) { 259, '_', 's', 't', 'a', 'r', 't', '|', '>', 'h', 'i', 258 },
              12);
  think = encode (tok, "a<|im_end|>", 0);
  for (guint i = 0; i < think->len; i++)
    g_assert_false (se_tokenizer_is_control (tok, g_array_index (think, gint32, i)));

  hidden = se_tokenizer_decode (tok, (const gint32 *) (void *) special->data, special->len,
                                FALSE, NULL);
  shown = se_tokenizer_decode (tok, (const gint32 *) (void *) special->data, special->len,
                               TRUE, NULL);
  g_assert_cmpstr (hidden, ==, "hi<think>");
  g_assert_cmpstr (shown, ==, "<|im_start|>hi<think>");
  g_assert_cmpint (se_tokenizer_find_token (tok, "<|im_end|>"), ==, 257);
  g_assert_cmpint (se_tokenizer_find_token (tok, "<|nope|>"), ==, -1);
  g_assert_cmpint (se_tokenizer_get_token_type (tok, 258), ==, SE_TOKEN_TYPE_USER_DEFINED);
  g_assert_true (se_tokenizer_is_eog (tok, 257));
  g_assert_false (se_tokenizer_is_eog (tok, 258));
}

/* Inside literal spans no added token is matched, user-defined ones included; outside
 * them matching is as usual, and a match may not reach into a span. */
static void
test_literal_spans (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeTokenizer) tok = make_tok ("qwen2", added_extras, NULL, &error);
  /*                    0           12        22 */
  const char *text = "<|im_start|><|im_end|><think>x<|im_end|>";
  SeTextSpan lit[] = { { 12, 17 } };           /* "<|im_end|><think>" */
  SeTextSpan cut[] = { { 3, 2 } };             /* inside the first "<|im_start|>" */
  SeTextSpan bad[] = { { 10, 5 }, { 12, 2 } }; /* overlapping */
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr(GArray) ids2 = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autofree char *back = NULL;
  guint plain = 0;

  g_assert_true (se_tokenizer_encode_spans_append (tok, text, -1, SE_TOKENIZE_PARSE_SPECIAL,
                                                   lit, 1, ids, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_array_index (ids, gint32, 0), ==, 256);
  g_assert_cmpint (g_array_index (ids, gint32, ids->len - 1), ==, 257);
  for (guint i = 1; i + 1 < ids->len; i++)
    {
      gint32 id = g_array_index (ids, gint32, i);

      g_assert_cmpint (se_tokenizer_get_token_type (tok, id), ==, SE_TOKEN_TYPE_NORMAL);
      plain++;
    }
  g_assert_cmpuint (plain, ==, 18);  /* the literal bytes, and the "x" */
  back = se_tokenizer_decode (tok, (const gint32 *) (void *) ids->data, ids->len, TRUE, NULL);
  g_assert_cmpstr (back, ==, text);

  /* no spans: the same ids as se_tokenizer_encode_append() */
  g_assert_true (se_tokenizer_encode_spans_append (tok, text, -1, SE_TOKENIZE_PARSE_SPECIAL,
                                                   NULL, 0, all, &error));
  assert_ids (all, (gint32[]) { 256, 257, 258, 'x', 257 }, 5);

  /* a span inside a token's text: that token cannot match there */
  g_assert_true (se_tokenizer_encode_spans_append (tok, text, -1, SE_TOKENIZE_PARSE_SPECIAL,
                                                   cut, 1, ids2, &error));
  g_assert_cmpint (g_array_index (ids2, gint32, 0), !=, 256);

  g_assert_false (se_tokenizer_encode_spans_append (tok, text, -1, 0, bad, 2, ids2, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
}

static void
test_detokenizer (void)
{
  /* U+1F600 is F0 9F 98 80; token 256 ends with its first two bytes. */
  static const Extra extras[] = { { "a\xF0\x9F", 1 }, { "<|im_end|>", 3 }, { NULL } };
  g_autoptr(GError) error = NULL;
  g_autoptr(SeTokenizer) tok = make_tok ("qwen2", extras, NULL, &error);
  g_autoptr(SeDetokenizer) detok = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  detok = se_detokenizer_new (tok, FALSE);
  se_detokenizer_push (detok, 256, out);
  g_assert_cmpstr (out->str, ==, "a");
  se_detokenizer_push (detok, 0x98, out);
  g_assert_cmpstr (out->str, ==, "a");
  se_detokenizer_push (detok, 257, out);             /* control, not rendered */
  se_detokenizer_push (detok, 0x80, out);
  g_assert_cmpstr (out->str, ==, "a\xF0\x9F\x98\x80");
  se_detokenizer_push (detok, 0x80, out);            /* stray continuation byte */
  g_assert_cmpstr (out->str, ==, "a\xF0\x9F\x98\x80\xEF\xBF\xBD");
  se_detokenizer_push (detok, 0xE2, out);
  se_detokenizer_push (detok, 0x82, out);
  se_detokenizer_flush (detok, out);                 /* unfinished U+20AC */
  g_assert_cmpstr (out->str, ==, "a\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD");
  g_assert_true (g_utf8_validate (out->str, out->len, NULL));

  /* One byte at a time, every character of mixed text comes out whole. */
  {
    const char *text = "h\xC3\xA9 \xE4\xB8\xAD\xF0\x9F\x98\x80!";
    g_autoptr(GString) o2 = g_string_new (NULL);
    g_autoptr(SeDetokenizer) d2 = se_detokenizer_new (tok, FALSE);

    for (const guchar *p = (const guchar *) text; *p; p++)
      {
        se_detokenizer_push (d2, *p, o2);
        g_assert_true (g_utf8_validate (o2->str, o2->len, NULL));
      }
    se_detokenizer_flush (d2, o2);
    g_assert_cmpstr (o2->str, ==, text);
  }
}

static void
test_invalid_input (void)
{
  static const char *bad[] = { "\xFF", "abc\xC3", "\xED\xA0\x80", "\xC0\x80", "ok\x80ok" };
  g_autoptr(SeTokenizer) tok = make_tok ("qwen2", NULL, NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize n = 99;
      g_autofree gint32 *ids = se_tokenizer_encode (tok, bad[i], -1, 0, &n, &error);

      g_assert_null (ids);
      g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "UTF-8"));
    }
  /* U+0000 is valid UTF-8 and a byte token like any other. */
  {
    g_autoptr(GError) error = NULL;
    gsize n = 0;
    g_autofree gint32 *ids = se_tokenizer_encode (tok, "a\0b", 3, 0, &n, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (n, ==, 3);
    g_assert_cmpint (ids[1], ==, 0);
  }
}

static void
expect_bad (const char *pre,
            const Extra *extras,
            const char **merges,
            GQuark      domain,
            gint        code,
            const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeTokenizer) tok = make_tok (pre, extras, merges, &error);

  g_assert_null (tok);
  g_assert_error (error, domain, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("“%s” does not name “%s”", error->message, needle);
}

static void
test_bad_vocab (void)
{
  static const Extra bad_utf8[] = { { "ok", 1 }, { "\xC3(", 3 }, { NULL } };
  static const Extra bad_type[] = { { "x", 9 }, { NULL } };
  static const char *unknown[] = { "a b", "q zz", NULL };
  static const char *nospace[] = { "ab", NULL };
  static const char *no_result[] = { "x y", NULL };
  g_autoptr(GError) error = NULL;
  SeTokenizerSpec spec = { .model = "llama", .pre = "qwen2" };
  const char *tokens[] = { "a" };

  expect_bad ("qwen2", bad_utf8, NULL, SE_ERROR, SE_ERROR_TOKENIZER, "Token 257");
  expect_bad ("qwen2", bad_type, NULL, SE_ERROR, SE_ERROR_INVALID, "type 9");
  expect_bad ("qwen2", NULL, unknown, SE_ERROR, SE_ERROR_TOKENIZER, "Merge 0 “a b”");
  expect_bad ("qwen2", (const Extra[]) { { "ab", 1 }, { NULL } }, unknown, SE_ERROR,
              SE_ERROR_TOKENIZER, "Merge 1 “q zz” names “zz”");
  expect_bad ("qwen2", NULL, nospace, SE_ERROR, SE_ERROR_TOKENIZER, "Merge 0 “ab”");
  expect_bad ("qwen2", NULL, no_result, SE_ERROR, SE_ERROR_TOKENIZER, "xy");
  expect_bad ("gpt-4o-ish", NULL, NULL, SE_ERROR, SE_ERROR_UNSUPPORTED, "gpt-4o-ish");

  spec.n_tokens = 1;
  spec.tokens = tokens;
  spec.bos_id = spec.eos_id = spec.pad_id = -1;
  g_assert_null (se_tokenizer_new (&spec, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "llama"));
  g_clear_error (&error);

  spec.model = "gpt2";   /* "a" alone: most byte tokens are missing */
  g_assert_null (se_tokenizer_new (&spec, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_TOKENIZER);
  g_assert_nonnull (strstr (error->message, "byte 0x00"));
}

static void
test_bad_special_id (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  SeTokenizerSpec spec = { .model = "gpt2", .pre = "qwen2", .bos_id = 256, .eos_id = -1,
                           .pad_id = -1 };

  for (guint b = 0; b < 256; b++)
    {
      char buf[8] = { 0 };

      g_unichar_to_utf8 (byte_cp (b), buf);
      g_ptr_array_add (tokens, g_strdup (buf));
    }
  spec.n_tokens = tokens->len;
  spec.tokens = (const char *const *) tokens->pdata;
  g_assert_null (se_tokenizer_new (&spec, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "BOS token id 256"));
}

static void
assert_split (SeTokenizer *tok,
              const char  *text,
              const char  *expected)  /* pieces joined by '|' */
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) pieces = se_tokenizer_pretokenize (tok, text, -1, &error);
  g_autofree char *joined = NULL;

  g_assert_no_error (error);
  joined = g_strjoinv ("|", pieces);
  g_assert_cmpstr (joined, ==, expected);
}

static void
test_pretokenize (void)
{
  g_autoptr(SeTokenizer) qwen = make_tok ("qwen2", NULL, NULL, NULL);
  g_autoptr(SeTokenizer) llama = make_tok ("llama-bpe", NULL, NULL, NULL);

  assert_split (qwen, "  Hello  world", " | Hello| | world");
  assert_split (qwen, "I'M DON'T we'Ll", "I|'M| DON|'T| we|'Ll");
  assert_split (qwen, "a  \n\n  b", "a|  \n\n| | b");
  assert_split (qwen, "x  ", "x|  ");
  assert_split (qwen, "  123", " | |1|2|3");
  assert_split (llama, "12345", "123|45");
  assert_split (qwen, "!!!abc !x", "!!!|abc| !|x");
  assert_split (qwen, "e\xCC\x81t\xC3\xA9", "\xC3\xA9t\xC3\xA9");          /* NFC first */
  assert_split (llama, "e\xCC\x81", "e|\xCC\x81");                       /* no NFC */
  /* U+0085 and U+3000 are \s (Unicode White_Space); U+FEFF is not. */
  assert_split (qwen, "a\xC2\x85\xC2\x85" "b", "a|\xC2\x85|\xC2\x85" "b");
  assert_split (qwen, "a\xE3\x80\x80\xE3\x80\x80" "b", "a|\xE3\x80\x80|\xE3\x80\x80" "b");
  assert_split (qwen, "a\xEF\xBB\xBF\xEF\xBB\xBF" "b", "a|\xEF\xBB\xBF\xEF\xBB\xBF|b");
  assert_split (qwen, "", "");
}

static void
test_ignore_merges (void)
{
  static const Extra extras[] = { { "abc", 1 }, { NULL } };
  g_autoptr(SeTokenizer) llama = make_tok ("llama-bpe", extras, NULL, NULL);
  g_autoptr(SeTokenizer) qwen = make_tok ("qwen2", extras, NULL, NULL);
  g_autoptr(GArray) l = encode (llama, "abc", 0);
  g_autoptr(GArray) q = encode (qwen, "abc", 0);

  assert_ids (l, (gint32[]) { 256 }, 1);          /* Llama 3 looks the word up whole */
  assert_ids (q, (gint32[]) { 'a', 'b', 'c' }, 3); /* Qwen2 only merges */
}

typedef struct
{
  SeTokenizer *tok;
  const char  *text;
  GArray      *expected;
} ThreadData;

static gpointer
encode_thread (gpointer data)
{
  ThreadData *td = data;

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(GArray) ids = encode (td->tok, td->text, SE_TOKENIZE_PARSE_SPECIAL);

      if (ids->len != td->expected->len
          || memcmp (ids->data, td->expected->data, ids->len * sizeof (gint32)) != 0)
        return GINT_TO_POINTER (1);
    }
  return NULL;
}

static void
test_threads (void)
{
  static const Extra extras[] = { { "ab", 1 }, { "abab", 1 }, { NULL } };
  static const char *merges[] = { "a b", "ab ab", NULL };
  g_autoptr(SeTokenizer) tok = make_tok ("qwen2", extras, merges, NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GArray) expected = NULL;
  GThread *threads[4];
  ThreadData td;

  for (guint i = 0; i < 200; i++)
    g_string_append (text, "abab caf\xC3\xA9 ab\n 12 \xE4\xB8\xAD ");
  expected = encode (tok, text->str, SE_TOKENIZE_PARSE_SPECIAL);
  td = (ThreadData) { tok, text->str, expected };
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("encode", encode_thread, &td);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_null (g_thread_join (threads[i]));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/tokenizer/merge-order", test_merge_order);
  g_test_add_func ("/sprig/tokenizer/every-byte", test_every_byte);
  g_test_add_func ("/sprig/tokenizer/added-tokens", test_added_tokens);
  g_test_add_func ("/sprig/tokenizer/literal-spans", test_literal_spans);
  g_test_add_func ("/sprig/tokenizer/detokenizer", test_detokenizer);
  g_test_add_func ("/sprig/tokenizer/invalid-input", test_invalid_input);
  g_test_add_func ("/sprig/tokenizer/bad-vocab", test_bad_vocab);
  g_test_add_func ("/sprig/tokenizer/bad-special-id", test_bad_special_id);
  g_test_add_func ("/sprig/tokenizer/pretokenize", test_pretokenize);
  g_test_add_func ("/sprig/tokenizer/ignore-merges", test_ignore_merges);
  g_test_add_func ("/sprig/tokenizer/threads", test_threads);

  return g_test_run ();
}
