/* SPDX-License-Identifier: Apache-2.0
 *
 * Compiles a tool's JSON Schema into the small tree the constrained decoder walks, and
 * validates argument values against it. Keywords outside the supported subset make that
 * part of the schema "any value" rather than an error: JSON Schema ignores unknown
 * keywords, and a tool should stay usable even when the decoder cannot narrow it.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sprig/se-error.h"
#include "se-tool-schema.h"

void
_se_lit_set_init (SeLitSet *set,
                  guint     n)
{
  set->n = n;
  set->texts = g_new0 (char *, n + 1);
  set->lens = g_new0 (guint16, MAX (n, 1));
}

void
_se_lit_set_take (SeLitSet *set,
                  guint     i,
                  char     *text)
{
  set->texts[i] = text;
  set->lens[i] = (guint16) MIN (strlen (text), G_MAXUINT16);
}

void
_se_lit_set_clear (SeLitSet *set)
{
  g_clear_pointer (&set->texts, g_strfreev);
  g_clear_pointer (&set->lens, g_free);
  set->n = 0;
}

void
_se_tool_schema_free (SeToolSchema *schema)
{
  if (schema == NULL)
    return;
  for (guint i = 0; i < schema->n_props; i++)
    _se_tool_schema_free (schema->props[i]);
  g_free (schema->props);
  g_strfreev (schema->prop_names);
  _se_lit_set_clear (&schema->keys);
  _se_tool_schema_free (schema->items);
  for (guint i = 0; schema->enum_nodes && i < schema->values.n; i++)
    se_json_node_free (schema->enum_nodes[i]);
  g_free (schema->enum_nodes);
  _se_lit_set_clear (&schema->values);
  g_free (schema);
}

static char *
quoted (const char *s,
        gsize       len)
{
  GString *out = g_string_new (NULL);

  se_json_append_string (out, s, len);
  return g_string_free (out, FALSE);
}

static guint
uint_member (const SeJsonNode *schema,
             const char       *name,
             guint             fallback)
{
  SeJsonNode *v = se_json_node_get_member (schema, name);
  double d;

  if (v == NULL || se_json_node_get_node_type (v) != SE_JSON_NUMBER)
    return fallback;
  d = se_json_node_get_number (v);
  return d >= 0 && d < G_MAXUINT16 ? (guint) d : fallback;
}

static SeToolSchema *compile (const SeJsonNode *node, guint depth, GError **error);

static gboolean
compile_enum (SeToolSchema     *s,
              const SeJsonNode *values,
              GError          **error)
{
  gsize n = se_json_node_get_size (values);

  if (n == 0 || n > SE_TOOL_SCHEMA_MAX_ENUM)
    return g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                        "An enum needs 1 to %d values, not %" G_GSIZE_FORMAT,
                        SE_TOOL_SCHEMA_MAX_ENUM, n), FALSE;
  s->kind = SE_SCH_ENUM;
  _se_lit_set_init (&s->values, n);
  s->enum_nodes = g_new0 (SeJsonNode *, n);
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *text = _se_tool_json_canonical (se_json_node_get_element (values, i));

      s->enum_nodes[i] = se_json_parse (text, -1, NULL);
      _se_lit_set_take (&s->values, i, g_steal_pointer (&text));
    }
  return TRUE;
}

static gboolean
compile_object (SeToolSchema     *s,
                const SeJsonNode *node,
                guint             depth,
                GError          **error)
{
  SeJsonNode *props = se_json_node_get_member (node, "properties");
  SeJsonNode *required = se_json_node_get_member (node, "required");
  SeJsonNode *extra = se_json_node_get_member (node, "additionalProperties");
  gsize n = 0;

  s->kind = SE_SCH_OBJECT;
  if (props != NULL && se_json_node_get_node_type (props) == SE_JSON_OBJECT)
    n = se_json_node_get_size (props);
  if (n > SE_TOOL_SCHEMA_MAX_PROPS)
    return g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                        "An object may have at most %d properties", SE_TOOL_SCHEMA_MAX_PROPS),
           FALSE;
  s->closed = extra != NULL && se_json_node_get_node_type (extra) == SE_JSON_BOOL
              && !se_json_node_get_bool (extra);
  if (n == 0 && !s->closed
      && (required == NULL || se_json_node_get_node_type (required) != SE_JSON_ARRAY
          || se_json_node_get_size (required) == 0))
    {
      s->kind = SE_SCH_ANY;  /* a free-form object: any members */
      s->closed = TRUE;      /* marks "object only" for the decoder */
      return TRUE;
    }
  s->n_props = n;
  s->props = g_new0 (SeToolSchema *, MAX (n, 1));
  s->prop_names = g_new0 (char *, n + 1);
  _se_lit_set_init (&s->keys, n);
  for (gsize i = 0; i < n; i++)
    {
      gsize len;
      const char *name = se_json_node_get_member_name (props, i, &len);

      s->prop_names[i] = g_strndup (name, len);
      _se_lit_set_take (&s->keys, i, quoted (name, len));
      s->props[i] = compile (se_json_node_get_element (props, i), depth + 1, error);
      if (s->props[i] == NULL)
        return FALSE;
    }
  for (gsize j = 0; required && se_json_node_get_node_type (required) == SE_JSON_ARRAY
                    && j < se_json_node_get_size (required); j++)
    {
      const char *want = se_json_node_get_string (se_json_node_get_element (required, j), NULL);
      gboolean found = FALSE;

      for (guint i = 0; want && i < n; i++)
        if (g_str_equal (s->prop_names[i], want))
          {
            s->required |= G_GUINT64_CONSTANT (1) << i;
            found = TRUE;
          }
      if (!found)
        return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                            "Required property “%s” is not among the properties",
                            want ? want : "(not a string)"), FALSE;
    }
  return TRUE;
}

static SeToolSchema *
compile (const SeJsonNode *node,
         guint             depth,
         GError          **error)
{
  g_autoptr(SeToolSchema) s = g_new0 (SeToolSchema, 1);
  SeJsonNode *type, *values;
  const char *t = NULL;

  if (depth > SE_TOOL_SCHEMA_MAX_DEPTH)
    return g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                        "The schema nests deeper than %d levels", SE_TOOL_SCHEMA_MAX_DEPTH), NULL;
  s->kind = SE_SCH_ANY;
  if (node == NULL || se_json_node_get_node_type (node) != SE_JSON_OBJECT)
    return g_steal_pointer (&s);  /* true, or anything odd: any value */

  if ((values = se_json_node_get_member (node, "enum")) != NULL
      && se_json_node_get_node_type (values) == SE_JSON_ARRAY)
    return compile_enum (s, values, error) ? g_steal_pointer (&s) : NULL;
  if ((values = se_json_node_get_member (node, "const")) != NULL)
    {
      g_autofree char *one = _se_tool_json_canonical (values);
      g_autofree char *arr = g_strdup_printf ("[%s]", one);
      g_autoptr(SeJsonNode) list = se_json_parse (arr, -1, NULL);

      return compile_enum (s, list, error) ? g_steal_pointer (&s) : NULL;
    }
  type = se_json_node_get_member (node, "type");
  if (type != NULL && se_json_node_get_node_type (type) == SE_JSON_STRING)
    t = se_json_node_get_string (type, NULL);
  if (t == NULL)
    return g_steal_pointer (&s);
  if (g_str_equal (t, "string"))
    {
      s->kind = SE_SCH_STRING;
      s->max_length = uint_member (node, "maxLength", 0);
    }
  else if (g_str_equal (t, "number"))
    s->kind = SE_SCH_NUMBER;
  else if (g_str_equal (t, "integer"))
    s->kind = SE_SCH_INTEGER;
  else if (g_str_equal (t, "boolean"))
    s->kind = SE_SCH_BOOLEAN;
  else if (g_str_equal (t, "null"))
    s->kind = SE_SCH_NULL;
  else if (g_str_equal (t, "object"))
    {
      if (!compile_object (s, node, depth, error))
        return NULL;
    }
  else if (g_str_equal (t, "array"))
    {
      SeJsonNode *items = se_json_node_get_member (node, "items");

      s->kind = SE_SCH_ARRAY;
      s->min_items = uint_member (node, "minItems", 0);
      s->max_items = uint_member (node, "maxItems", 0);
      if (s->max_items > 0 && s->max_items < s->min_items)
        return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                            "maxItems is below minItems"), NULL;
      if (items != NULL && (s->items = compile (items, depth + 1, error)) == NULL)
        return NULL;
    }
  return g_steal_pointer (&s);
}

SeToolSchema *
_se_tool_schema_compile (const SeJsonNode *schema,
                         GError          **error)
{
  return compile (schema, 0, error);
}

static gboolean
fail (GError    **error,
      const char *path,
      const char *what)
{
  g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "%s: %s", path[0] ? path : "(top)", what);
  return FALSE;
}

static gboolean
is_integer (const SeJsonNode *v)
{
  double d = se_json_node_get_number (v);

  return isfinite (d) && floor (d) == d;
}

static gboolean validate (const SeToolSchema *s, const SeJsonNode *v, const char *path,
                          GError **error);

static gboolean
validate_object (const SeToolSchema *s,
                 const SeJsonNode   *v,
                 const char         *path,
                 GError            **error)
{
  guint64 seen = 0;

  for (gsize m = 0; m < se_json_node_get_size (v); m++)
    {
      gsize len;
      const char *name = se_json_node_get_member_name (v, m, &len);
      g_autofree char *sub = g_strdup_printf ("%s/%.*s", path, (int) len, name);
      gboolean known = FALSE;

      for (guint i = 0; i < s->n_props && !known; i++)
        if (strlen (s->prop_names[i]) == len && memcmp (s->prop_names[i], name, len) == 0)
          {
            known = TRUE;
            seen |= G_GUINT64_CONSTANT (1) << i;
            if (!validate (s->props[i], se_json_node_get_element (v, m), sub, error))
              return FALSE;
          }
      if (!known && s->closed)
        return fail (error, sub, "property not allowed");
    }
  if ((seen & s->required) != s->required)
    return fail (error, path, "a required property is missing");
  return TRUE;
}

static gboolean
validate (const SeToolSchema *s,
          const SeJsonNode   *v,
          const char         *path,
          GError            **error)
{
  SeJsonType t = se_json_node_get_node_type (v);

  switch (s->kind)
    {
    case SE_SCH_ANY:
      return !s->closed || t == SE_JSON_OBJECT || fail (error, path, "not an object");
    case SE_SCH_STRING:
      if (t != SE_JSON_STRING)
        return fail (error, path, "not a string");
      if (s->max_length > 0)
        {
          gsize len;
          const char *str = se_json_node_get_string (v, &len);

          if (g_utf8_strlen (str, len) > (glong) s->max_length)
            return fail (error, path, "string too long");
        }
      return TRUE;
    case SE_SCH_NUMBER:
      return t == SE_JSON_NUMBER || fail (error, path, "not a number");
    case SE_SCH_INTEGER:
      return (t == SE_JSON_NUMBER && is_integer (v)) || fail (error, path, "not an integer");
    case SE_SCH_BOOLEAN:
      return t == SE_JSON_BOOL || fail (error, path, "not a boolean");
    case SE_SCH_NULL:
      return t == SE_JSON_NULL || fail (error, path, "not null");
    case SE_SCH_ENUM:
      {
        g_autofree char *text = _se_tool_json_canonical (v);

        for (guint i = 0; i < s->values.n; i++)
          if (g_str_equal (text, s->values.texts[i]))
            return TRUE;
        return fail (error, path, "not one of the enum values");
      }
    case SE_SCH_OBJECT:
      if (t != SE_JSON_OBJECT)
        return fail (error, path, "not an object");
      return validate_object (s, v, path, error);
    case SE_SCH_ARRAY:
      if (t != SE_JSON_ARRAY)
        return fail (error, path, "not an array");
      if (se_json_node_get_size (v) < s->min_items
          || (s->max_items > 0 && se_json_node_get_size (v) > s->max_items))
        return fail (error, path, "wrong number of items");
      for (gsize i = 0; s->items && i < se_json_node_get_size (v); i++)
        {
          g_autofree char *sub = g_strdup_printf ("%s/%" G_GSIZE_FORMAT, path, i);

          if (!validate (s->items, se_json_node_get_element (v, i), sub, error))
            return FALSE;
        }
      return TRUE;
    default:
      return TRUE;
    }
}

gboolean
_se_tool_schema_validate (const SeToolSchema *schema,
                          const SeJsonNode   *value,
                          GError            **error)
{
  return validate (schema, value, "", error);
}

typedef struct
{
  const char *name;
  gsize len;
  gsize index;
} Member;

static int
member_cmp (const void *a,
            const void *b)
{
  const Member *x = a, *y = b;
  int c = memcmp (x->name, y->name, MIN (x->len, y->len));

  return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static void
canonical (GString          *out,
           const SeJsonNode *node)
{
  gsize n;

  switch (se_json_node_get_node_type (node))
    {
    case SE_JSON_OBJECT:
      {
        g_autofree Member *m = g_new (Member, MAX (se_json_node_get_size (node), 1));

        n = se_json_node_get_size (node);
        for (gsize i = 0; i < n; i++)
          {
            m[i].name = se_json_node_get_member_name (node, i, &m[i].len);
            m[i].index = i;
          }
        qsort (m, n, sizeof *m, member_cmp);
        g_string_append_c (out, '{');
        for (gsize i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            se_json_append_string (out, m[i].name, m[i].len);
            g_string_append_c (out, ':');
            canonical (out, se_json_node_get_element (node, m[i].index));
          }
        g_string_append_c (out, '}');
        return;
      }
    case SE_JSON_ARRAY:
      g_string_append_c (out, '[');
      for (gsize i = 0; i < se_json_node_get_size (node); i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          canonical (out, se_json_node_get_element (node, i));
        }
      g_string_append_c (out, ']');
      return;
    case SE_JSON_NUMBER:
      {
        double d = se_json_node_get_number (node);
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        if (isfinite (d) && floor (d) == d && fabs (d) < 1e15)
          g_string_append_printf (out, "%.0f", d);
        else
          g_string_append (out, g_ascii_dtostr (buf, sizeof buf, d));
        return;
      }
    default:
      {
        g_autofree char *s = se_json_node_to_string (node, SE_JSON_STYLE_COMPACT);

        g_string_append (out, s);
      }
    }
}

char *
_se_tool_json_canonical (const SeJsonNode *node)
{
  GString *out = g_string_new (NULL);

  canonical (out, node);
  return g_string_free (out, FALSE);
}
