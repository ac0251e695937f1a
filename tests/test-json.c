/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests for the engine's JSON module: valid documents and their serialisations in
 * both styles, every class of malformed input the parser must refuse (with the error
 * code and byte offset), and the depth and size limits.
 */
#include "sprig/se-error.h"
#include "sprig/se-json.h"

#include <string.h>

static char *
reserialize (const char *text, SeJsonStyle style)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeJsonNode) node = se_json_parse (text, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return se_json_node_to_string (node, style);
}

static void
test_valid_roundtrip (void)
{
  static const char *const docs[] = {
    "null", "true", "false", "0", "-0", "1.0", "-12.5e+3", "1E-2", "\"\"", "[]", "{}",
    "[1,[2,[3,{}]],\"x\"]", "{\"b\":1,\"a\":[true,false,null],\"c\":{\"d\":\"e\"}}",
    "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "123456789012345678901234567890",
  };

  for (guint i = 0; i < G_N_ELEMENTS (docs); i++)
    {
      g_autofree char *out = reserialize (docs[i], SE_JSON_STYLE_COMPACT);

      g_assert_cmpstr (out, ==, docs[i]);
    }
}

static void
test_whitespace_and_order (void)
{
  g_autofree char *compact = reserialize (" \t\r\n{ \"z\" : 1 , \"a\" : [ 1 , 2 ] } \n",
                                          SE_JSON_STYLE_COMPACT);
  g_autofree char *tojson = reserialize ("{\"z\":1,\"a\":[1,2],\"o\":{}}", SE_JSON_STYLE_TOJSON);

  g_assert_cmpstr (compact, ==, "{\"z\":1,\"a\":[1,2]}");
  g_assert_cmpstr (tojson, ==, "{\"z\": 1, \"a\": [1, 2], \"o\": {}}");
}

static void
test_escapes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeJsonNode) node = NULL;
  g_autofree char *out = NULL;
  const char *str;
  gsize len;

  node = se_json_parse ("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\ud83d\\ude00\\u0000z\"",
                        -1, &error);
  g_assert_no_error (error);
  str = se_json_node_get_string (node, &len);
  g_assert_cmpmem (str, len, "a\"b\\c/d\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z", 24);

  /* Serialised as JSON.stringify does: "/" and non-ASCII raw, controls lowercase hex. */
  out = se_json_node_to_string (node, SE_JSON_STYLE_TOJSON);
  g_assert_cmpstr (out, ==,
                   "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\u0000z\"");
  g_clear_pointer (&out, g_free);
  out = reserialize ("\"\\u001f\\u007f<>&\\u2028\"", SE_JSON_STYLE_TOJSON);
  g_assert_cmpstr (out, ==, "\"\\u001f\x7f<>&\xe2\x80\xa8\"");
}

static void
test_tojson_numbers (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "1", "1" }, { "1.0", "1" }, { "-0", "0" }, { "100", "100" }, { "1.5", "1.5" },
    { "0.1", "0.1" }, { "1e21", "1e+21" }, { "1e20", "100000000000000000000" },
    { "1e-7", "1e-7" }, { "0.000001", "0.000001" }, { "-2.5E-10", "-2.5e-10" },
    { "123456789012345678901234567890", "1.2345678901234568e+29" },
    { "12345678901234567890", "12345678901234567000" }, { "1e400", "null" },
    { "3.14159265358979", "3.14159265358979" }, { "5e-324", "5e-324" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = reserialize (cases[i].in, SE_JSON_STYLE_TOJSON);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_accessors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeJsonNode) node = se_json_parse ("{\"n\":2.5e1,\"a\":[true,null],\"s\":\"x\"}",
                                              -1, &error);
  SeJsonNode *a;
  gsize len;

  g_assert_no_error (error);
  g_assert_cmpint (se_json_node_get_node_type (node), ==, SE_JSON_OBJECT);
  g_assert_cmpuint (se_json_node_get_size (node), ==, 3);
  g_assert_cmpstr (se_json_node_get_member_name (node, 1, &len), ==, "a");
  g_assert_cmpuint (len, ==, 1);
  g_assert_cmpfloat (se_json_node_get_number (se_json_node_get_member (node, "n")), ==, 25.0);
  g_assert_cmpstr (se_json_node_get_number_text (se_json_node_get_member (node, "n")), ==, "2.5e1");
  a = se_json_node_get_member (node, "a");
  g_assert_cmpuint (se_json_node_get_size (a), ==, 2);
  g_assert_true (se_json_node_get_bool (se_json_node_get_element (a, 0)));
  g_assert_cmpint (se_json_node_get_node_type (se_json_node_get_element (a, 1)), ==, SE_JSON_NULL);
  g_assert_cmpstr (se_json_node_get_string (se_json_node_get_element (node, 2), NULL), ==, "x");
  g_assert_null (se_json_node_get_member (node, "missing"));
  g_assert_null (se_json_node_get_member (a, "n"));
  g_assert_cmpstr (se_json_type_name (SE_JSON_ARRAY), ==, "array");
}

typedef struct
{
  const char *text;
  gssize len;
  int code;
  gsize offset;
} BadCase;

static const BadCase bad_cases[] = {
  { "", -1, SE_ERROR_TRUNCATED, 0 },
  { "   ", -1, SE_ERROR_TRUNCATED, 3 },
  { "{", -1, SE_ERROR_TRUNCATED, 1 },
  { "[1,", -1, SE_ERROR_TRUNCATED, 3 },
  { "{\"a\":", -1, SE_ERROR_TRUNCATED, 5 },
  { "\"abc", -1, SE_ERROR_TRUNCATED, 4 },
  { "\"\\u12", -1, SE_ERROR_TRUNCATED, 5 },
  { "tru", -1, SE_ERROR_TRUNCATED, 3 },
  { "[1,]", -1, SE_ERROR_INVALID, 3 },
  { "{\"a\":1,}", -1, SE_ERROR_INVALID, 7 },
  { "[1 2]", -1, SE_ERROR_INVALID, 3 },
  { "01", -1, SE_ERROR_INVALID, 1 },
  { "1.", -1, SE_ERROR_TRUNCATED, 2 },
  { "1.x", -1, SE_ERROR_INVALID, 2 },
  { "-", -1, SE_ERROR_TRUNCATED, 1 },
  { "1e", -1, SE_ERROR_TRUNCATED, 2 },
  { "+1", -1, SE_ERROR_INVALID, 0 },
  { ".5", -1, SE_ERROR_INVALID, 0 },
  { "NaN", -1, SE_ERROR_INVALID, 0 },
  { "Infinity", -1, SE_ERROR_INVALID, 0 },
  { "'a'", -1, SE_ERROR_INVALID, 0 },
  { "{a:1}", -1, SE_ERROR_INVALID, 1 },
  { "{\"a\" 1}", -1, SE_ERROR_INVALID, 5 },
  { "[1] x", -1, SE_ERROR_INVALID, 4 },
  { "{} {}", -1, SE_ERROR_INVALID, 3 },
  { "nulL", -1, SE_ERROR_INVALID, 3 },
  { "\"\\x\"", -1, SE_ERROR_INVALID, 2 },
  { "\"\\u12g4\"", -1, SE_ERROR_INVALID, 3 },
  { "\"\\ud800\"", -1, SE_ERROR_INVALID, 1 },
  { "\"\\udc00\"", -1, SE_ERROR_INVALID, 1 },
  { "\"\\ud800\\u0041\"", -1, SE_ERROR_INVALID, 1 },
  { "\"\\ud800x\"", -1, SE_ERROR_INVALID, 1 },
  { "\"a\tb\"", -1, SE_ERROR_INVALID, 2 },
  { "\"\x01\"", -1, SE_ERROR_INVALID, 1 },
  { "\"\n\"", -1, SE_ERROR_INVALID, 1 },
  { "\"\xff\"", -1, SE_ERROR_INVALID, 1 },
  { "\"\xc0\xaf\"", -1, SE_ERROR_INVALID, 1 },
  { "\"\xed\xa0\x80\"", -1, SE_ERROR_INVALID, 1 },
  { "\"\xe2\x82\"", -1, SE_ERROR_INVALID, 1 },
  { "[1,\0 2]", 6, SE_ERROR_INVALID, 3 },
  { "\xef\xbb\xbf{}", -1, SE_ERROR_INVALID, 0 },
  { "{\"k\":1,\"k\":2}", -1, SE_ERROR_INVALID, 7 },
  { "[\"\\u0000\",{\"a\\u0000\":1,\"a\":2}]", -1, -1, 0 },  /* distinct keys: valid */
};

static void
test_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(SeJsonNode) node = se_json_parse (c->text, c->len, &error);
      g_autofree char *where = g_strdup_printf ("at byte %" G_GSIZE_FORMAT, c->offset);

      g_test_message ("case %u: %s", i, error ? error->message : "(parsed)");
      if (c->code < 0)
        {
          g_assert_no_error (error);
          g_assert_nonnull (node);
          continue;
        }
      g_assert_null (node);
      g_assert_error (error, SE_ERROR, c->code);
      g_assert_nonnull (strstr (error->message, where));
    }
}

static char *
nested (guint depth, const char *open, const char *inner, const char *close)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, inner);
  for (guint i = 0; i < depth; i++)
    g_string_append (s, close);
  return g_string_free (s, FALSE);
}

static void
test_depth_limit (void)
{
  g_autofree char *ok = nested (SE_JSON_DEFAULT_MAX_DEPTH, "[", "1", "]");
  g_autofree char *deep = nested (SE_JSON_DEFAULT_MAX_DEPTH + 1, "[", "1", "]");
  g_autofree char *huge = nested (100000, "{\"a\":", "1", "}");
  g_autoptr(SeJsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  SeJsonLimits limits = { .max_depth = 3 };

  node = se_json_parse (ok, -1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&node, se_json_node_free);

  node = se_json_parse (deep, -1, &error);
  g_assert_null (node);
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "nesting"));
  g_clear_error (&error);

  node = se_json_parse (huge, -1, &error);
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_clear_error (&error);

  node = se_json_parse_with_limits ("[[[1]]]", -1, &limits, &error);
  g_assert_no_error (error);
  g_clear_pointer (&node, se_json_node_free);
  node = se_json_parse_with_limits ("[[[[1]]]]", -1, &limits, &error);
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "at byte 3"));
}

static void
test_size_limit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeJsonNode) node = NULL;
  SeJsonLimits limits = { .max_size = 8 };

  node = se_json_parse_with_limits ("[1,2,3]", -1, &limits, &error);
  g_assert_no_error (error);
  g_clear_pointer (&node, se_json_node_free);
  node = se_json_parse_with_limits ("[1,2,3,4]", -1, &limits, &error);
  g_assert_null (node);
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "limit"));
}

static void
test_big_numbers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeJsonNode) node = se_json_parse ("[1e400,-1e400,1e-400,"
                                              "98765432109876543210987654321]", -1, &error);
  g_autofree char *compact = NULL;

  g_assert_no_error (error);
  g_assert_cmpfloat (se_json_node_get_number (se_json_node_get_element (node, 0)), >, G_MAXDOUBLE);
  g_assert_cmpfloat (se_json_node_get_number (se_json_node_get_element (node, 1)), <, -G_MAXDOUBLE);
  g_assert_cmpfloat (se_json_node_get_number (se_json_node_get_element (node, 2)), ==, 0.0);
  compact = se_json_node_to_string (node, SE_JSON_STYLE_COMPACT);
  g_assert_cmpstr (compact, ==, "[1e400,-1e400,1e-400,98765432109876543210987654321]");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/json/valid-roundtrip", test_valid_roundtrip);
  g_test_add_func ("/sprig/json/whitespace-and-order", test_whitespace_and_order);
  g_test_add_func ("/sprig/json/escapes", test_escapes);
  g_test_add_func ("/sprig/json/tojson-numbers", test_tojson_numbers);
  g_test_add_func ("/sprig/json/accessors", test_accessors);
  g_test_add_func ("/sprig/json/invalid", test_invalid);
  g_test_add_func ("/sprig/json/depth-limit", test_depth_limit);
  g_test_add_func ("/sprig/json/size-limit", test_size_limit);
  g_test_add_func ("/sprig/json/big-numbers", test_big_numbers);

  return g_test_run ();
}
