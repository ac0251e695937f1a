/* SPDX-License-Identifier: Apache-2.0
 *
 * The streaming <tool_call> parser: every input is fed whole, split at every byte and
 * split at random places, and must always give the same segments; calls in thinking,
 * several calls, malformed JSON, unknown tools and unterminated blocks. Also the
 * byte-level call matcher the constrained decoder runs on (accepts and refuses).
 */
#include "config.h"

#include <string.h>

#include "se-tools-private.h"

static const char *const tool_defs[] = {
  "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": "
  "{\"type\": \"object\", \"properties\": {\"location\": {\"type\": \"string\"}}}}}",
  "{\"name\": \"calculator\", \"parameters\": {\"type\": \"object\", \"properties\": "
  "{\"expression\": {\"type\": \"string\"}}}}",
};

typedef struct
{
  const char *input;
  const char *expected;   /* segments: T[flags]{text} or C{name}{args} */
} Case;

static const Case cases[] = {
  { "Hello <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris\"}}\n"
    "</tool_call>",
    "T0{Hello }C{get_weather}{{\"location\":\"Paris\"}}" },
  { "<think>maybe <tool_call>{\"name\": \"calculator\", \"arguments\": {}}</tool_call></think>"
    "Answer",
    "T0{<think>maybe <tool_call>{\"name\": \"calculator\", \"arguments\": {}}</tool_call>"
    "</think>Answer}" },
  { "<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"1+1\"}}</tool_call>"
    "\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Oslo\"}}\n"
    "</tool_call>",
    "C{calculator}{{\"expression\":\"1+1\"}}T0{\n}C{get_weather}{{\"location\":\"Oslo\"}}" },
  { "x<tool_call>{not json}</tool_call> tail",
    "T0{x}T1{<tool_call>{not json}</tool_call>}T0{ tail}" },
  { "<tool_call>{\"name\": \"rm_rf\", \"arguments\": {\"path\": \"/\"}}</tool_call>",
    "T2{<tool_call>{\"name\": \"rm_rf\", \"arguments\": {\"path\": \"/\"}}</tool_call>}" },
  { "<tool_call>{\"name\": \"calculator\", \"arguments\": [1]}</tool_call>",
    "T1{<tool_call>{\"name\": \"calculator\", \"arguments\": [1]}</tool_call>}" },
  { "<tool_call>{\"name\": \"calculator\", \"arguments\": \"{\\\"expression\\\": \\\"2\\\"}\"}"
    "</tool_call>",
    "C{calculator}{{\"expression\":\"2\"}}" },
  { "ends in <tool_call>{\"name\": \"calc", "T0{ends in }T1{<tool_call>{\"name\": \"calc}" },
  { "a <tool_ca", "T0{a <tool_ca}" },
  { "< <t <thin <tool_cal> </tool_call> é<think>ü</think>", "T0{< <t <thin <tool_cal> </tool_call> é<think>ü</think>}" },
  { "<think>unclosed <tool_call>", "T0{<think>unclosed <tool_call>}" },
  { "<tool_call><tool_call>{\"name\": \"calculator\", \"arguments\": {}}</tool_call>",
    "T1{<tool_call><tool_call>{\"name\": \"calculator\", \"arguments\": {}}</tool_call>}" },
};

/* The segments as one string, adjacent texts of the same flags merged. */
static char *
describe (GPtrArray *segments)
{
  GString *s = g_string_new (NULL);
  int last_flags = -1;

  for (guint i = 0; i < segments->len; i++)
    {
      SeToolSegment *seg = g_ptr_array_index (segments, i);

      if (seg->kind == SE_TOOL_SEGMENT_CALL)
        {
          g_string_append_printf (s, "C{%s}{%s}", seg->name, seg->arguments);
          last_flags = -1;
          continue;
        }
      if ((int) seg->flags == last_flags)
        {
          g_string_truncate (s, s->len - 1);
          g_string_append_printf (s, "%s}", seg->text);
        }
      else
        g_string_append_printf (s, "T%u{%s}", seg->flags, seg->text);
      last_flags = (int) seg->flags;
    }
  return g_string_free (s, FALSE);
}

static char *
parse_pieces (SeToolSet   *set,
              const char  *input,
              const gsize *cuts,
              guint        n_cuts)
{
  g_autoptr(SeToolParser) p = _se_tool_parser_new (set);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) _se_tool_segment_free);
  gsize len = strlen (input), at = 0;

  for (guint i = 0; i <= n_cuts; i++)
    {
      gsize end = i < n_cuts ? cuts[i] : len;

      _se_tool_parser_feed (p, input + at, end - at, out);
      at = end;
    }
  _se_tool_parser_finish (p, out);
  /* nothing is lost or added: the segments' texts are the input */
  {
    g_autoptr(GString) all = g_string_new (NULL);

    for (guint i = 0; i < out->len; i++)
      g_string_append (all, ((SeToolSegment *) g_ptr_array_index (out, i))->text);
    g_assert_cmpstr (all->str, ==, input);
  }
  return describe (out);
}

static SeToolSet *
make_set (void)
{
  g_autoptr(GError) error = NULL;
  SeToolSet *set = _se_tool_set_new (tool_defs, G_N_ELEMENTS (tool_defs), &error);

  g_assert_no_error (error);
  return set;
}

static void
test_whole (void)
{
  g_autoptr(SeToolSet) set = make_set ();

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *got = parse_pieces (set, cases[c].input, NULL, 0);

      g_assert_cmpstr (got, ==, cases[c].expected);
    }
}

static void
test_every_split (void)
{
  g_autoptr(SeToolSet) set = make_set ();

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (gsize i = 0; i <= strlen (cases[c].input); i++)
      {
        g_autofree char *got = parse_pieces (set, cases[c].input, &i, 1);

        if (g_strcmp0 (got, cases[c].expected) != 0)
          g_error ("case %u split at %" G_GSIZE_FORMAT ": %s", c, i, got);
      }
}

static int
cmp_gsize (gconstpointer a,
           gconstpointer b)
{
  gsize x = *(const gsize *) a, y = *(const gsize *) b;

  return (x > y) - (x < y);
}

static void
test_random_splits (void)
{
  g_autoptr(SeToolSet) set = make_set ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (10);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (guint round = 0; round < 300; round++)
      {
        gsize len = strlen (cases[c].input), cuts[12];
        guint n = g_rand_int_range (rand, 1, G_N_ELEMENTS (cuts));
        g_autofree char *got = NULL;

        for (guint k = 0; k < n; k++)
          cuts[k] = g_rand_int_range (rand, 0, (gint32) len + 1);
        qsort (cuts, n, sizeof (gsize), cmp_gsize);
        got = parse_pieces (set, cases[c].input, cuts, n);
        g_assert_cmpstr (got, ==, cases[c].expected);
      }
}

static void
test_byte_by_byte (void)
{
  g_autoptr(SeToolSet) set = make_set ();

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      gsize len = strlen (cases[c].input);
      g_autofree gsize *cuts = g_new (gsize, len + 1);
      g_autofree char *got = NULL;

      for (gsize i = 0; i < len; i++)
        cuts[i] = i;
      got = parse_pieces (set, cases[c].input, cuts, (guint) len);
      g_assert_cmpstr (got, ==, cases[c].expected);
    }
}

static void
test_oversized_call (void)
{
  g_autoptr(SeToolSet) set = make_set ();
  g_autoptr(SeToolParser) p = _se_tool_parser_new (set);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) _se_tool_segment_free);
  g_autofree char *filler = g_strnfill (SE_TOOL_PARSER_MAX_CALL + 10, 'a');

  _se_tool_parser_feed (p, "<tool_call>", 11, out);
  _se_tool_parser_feed (p, filler, strlen (filler), out);
  _se_tool_parser_feed (p, " more", 5, out);
  _se_tool_parser_finish (p, out);
  g_assert_cmpuint (out->len, >=, 1);
  for (guint i = 0; i < out->len; i++)
    g_assert_cmpint (((SeToolSegment *) g_ptr_array_index (out, i))->kind, ==,
                     SE_TOOL_SEGMENT_TEXT);
}

static void
test_bad_tool_sets (void)
{
  const char *dup[] = { tool_defs[0], tool_defs[0] };
  const char *bad_name[] = { "{\"name\": \"rm -rf\"}" };
  const char *bad_json[] = { "{\"name\": " };
  const char *not_object[] = { "{\"name\": \"x\", \"parameters\": {\"type\": \"string\"}}" };
  const char *bad_required[] = { "{\"name\": \"x\", \"parameters\": {\"type\": \"object\", "
                                 "\"properties\": {}, \"required\": [\"y\"]}}" };
  const char **sets[] = { dup, bad_name, bad_json, not_object, bad_required };
  gsize sizes[] = { 2, 1, 1, 1, 1 };

  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autoptr(GError) error = NULL;
      SeToolSet *set = _se_tool_set_new (sets[i], sizes[i], &error);

      g_assert_null (set);
      g_assert_nonnull (error);
    }
}

static const char *const matcher_defs[] = {
  "{\"name\": \"anything\", \"parameters\": {\"type\": \"object\"}}",
  "{\"name\": \"w\", \"parameters\": {\"type\": \"object\", \"properties\": {"
  "\"city\": {\"type\": \"string\"}, \"unit\": {\"enum\": [\"c\", \"f\", 10, 1]}, "
  "\"n\": {\"type\": \"integer\"}, \"xs\": {\"type\": \"array\", \"minItems\": 1, "
  "\"items\": {\"type\": \"number\"}}}, \"required\": [\"city\"], "
  "\"additionalProperties\": false}}",
};

static const char *const matcher_good[] = {
  "{\"name\": \"anything\", \"arguments\": {}}",
  "\n{\"name\": \"anything\", \"arguments\": {\"a\": [1, {\"b\": null}, true], \"c\": \"x\\n\"}}\n",
  "{\"name\": \"w\", \"arguments\": {\"city\": \"Zürich\"}}",
  "{\"name\": \"w\", \"arguments\": {\"unit\": 10, \"city\": \"\", \"n\": -3, \"xs\": [1.5e3, -0.25]}}",
  "{\"name\": \"w\", \"arguments\": {\"unit\": 1, \"city\": \"a\"}}",
};

static const char *const matcher_bad[] = {
  "{\"name\": \"nothing\"",                                     /* not offered */
  "{\"name\":\"w\"",                                            /* spacing */
  "{\"name\": \"anything\", \"arguments\": {\"a\" : 1}}",          /* space before : */
  "{\"name\": \"anything\", \"arguments\": []}",                   /* not an object */
  "{\"name\": \"w\", \"arguments\": {}}",                          /* city required */
  "{\"name\": \"w\", \"arguments\": {\"town\": \"x\"}}",            /* unknown key */
  "{\"name\": \"w\", \"arguments\": {\"city\": 5}}",               /* wrong type */
  "{\"name\": \"w\", \"arguments\": {\"city\": \"a\", \"city\": \"b\"}}", /* twice */
  "{\"name\": \"w\", \"arguments\": {\"city\": \"a\", \"n\": 1.5}}",   /* not integer */
  "{\"name\": \"w\", \"arguments\": {\"city\": \"a\", \"unit\": \"k\"}}", /* not in enum */
  "{\"name\": \"w\", \"arguments\": {\"city\": \"a\", \"xs\": []}}",  /* minItems */
  "{\"name\": \"w\", \"arguments\": {\"city\": \"a\\u0041\"}}",     /* \\u escape */
  "{\"name\": \"w\", \"arguments\": {\"city\": \"\xc3\"}}",          /* broken UTF-8 */
  "{\"name\": \"w\", \"arguments\": {\"city\": \"a\", \"n\": 01}}",   /* leading zero */
};

static void
test_matcher (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeToolSet) set = _se_tool_set_new (matcher_defs, 2, &error);
  SeToolMatcher m;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (matcher_good); i++)
    {
      _se_tool_matcher_init (&m, _se_tool_set_get_grammar (set));
      if (!_se_tool_matcher_feed_bytes (&m, matcher_good[i], strlen (matcher_good[i]))
          || !_se_tool_matcher_is_complete (&m))
        g_error ("refused: %s", matcher_good[i]);
      g_assert_cmpint (_se_tool_matcher_get_tool (&m), ==, i < 2 ? 0 : 1);
    }
  for (guint i = 0; i < G_N_ELEMENTS (matcher_bad); i++)
    {
      _se_tool_matcher_init (&m, _se_tool_set_get_grammar (set));
      if (_se_tool_matcher_feed_bytes (&m, matcher_bad[i], strlen (matcher_bad[i]))
          && _se_tool_matcher_is_complete (&m))
        g_error ("accepted: %s", matcher_bad[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sprig/tools/parser/whole", test_whole);
  g_test_add_func ("/sprig/tools/parser/every-split", test_every_split);
  g_test_add_func ("/sprig/tools/parser/random-splits", test_random_splits);
  g_test_add_func ("/sprig/tools/parser/byte-by-byte", test_byte_by_byte);
  g_test_add_func ("/sprig/tools/parser/oversized-call", test_oversized_call);
  g_test_add_func ("/sprig/tools/parser/bad-tool-sets", test_bad_tool_sets);
  g_test_add_func ("/sprig/tools/matcher/accepts-and-refuses", test_matcher);
  return g_test_run ();
}
