/* SPDX-License-Identifier: Apache-2.0
 *
 * The tools offered to the model in one conversation: their definitions in the form the
 * chat template prints, and the compiled grammar (names and argument schemas) that the
 * constrained decoder and the parser check against. Also decides which chat templates
 * can take tools at all.
 */
#include "config.h"

#include <string.h>

#include "sprig/se-error.h"
#include "se-tools-private.h"

struct _SeToolSet
{
  gint ref;
  GPtrArray *definitions;   /* wrapped {"type": "function", "function": ...} texts */
  GPtrArray *names;
  SeCallGrammar grammar;
};

gboolean
_se_tools_template_supports (const SeChatTemplate *tmpl,
                             char                **reason)
{
  g_return_val_if_fail (tmpl != NULL, FALSE);

  if (se_chat_template_supports_tools (tmpl))
    {
      if (reason != NULL)
        *reason = NULL;
      return TRUE;
    }
  if (reason != NULL)
    *reason = g_strdup_printf ("This model’s chat template (%s) has no tool-call format, so "
                               "it is offered no tools",
                               se_chat_template_family_name (se_chat_template_get_family (tmpl)));
  return FALSE;
}

static gboolean
valid_name (const char *name,
            gsize       len)
{
  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '-' && name[i] != '.')
      return FALSE;
  return TRUE;
}

static gboolean
add_tool (SeToolSet  *set,
          const char *text,
          gsize       index,
          GError    **error)
{
  g_autoptr(SeJsonNode) def = se_json_parse (text, -1, error);
  SeJsonNode *fn, *name_node, *params;
  g_autoptr(SeToolSchema) schema = NULL;
  g_autoptr(SeJsonNode) empty = NULL;
  const char *name;
  gsize len;

  if (def == NULL)
    return FALSE;
  fn = se_json_node_get_member (def, "function");
  if (fn == NULL)
    fn = def;
  name_node = se_json_node_get_member (fn, "name");
  name = name_node && se_json_node_get_node_type (name_node) == SE_JSON_STRING
         ? se_json_node_get_string (name_node, &len) : NULL;
  if (name == NULL || !valid_name (name, len))
    return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                        "Tool %" G_GSIZE_FORMAT " has no valid name (letters, digits, _ - ., "
                        "at most 64)", index), FALSE;
  for (guint i = 0; i < set->names->len; i++)
    if (g_str_equal (g_ptr_array_index (set->names, i), name))
      return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                          "Tool “%s” is defined twice", name), FALSE;
  params = se_json_node_get_member (fn, "parameters");
  if (params == NULL)
    params = empty = se_json_parse ("{\"type\": \"object\", \"properties\": {}}", -1, NULL);
  if ((schema = _se_tool_schema_compile (params, error)) == NULL)
    return g_prefix_error (error, "Tool “%s”: ", name), FALSE;
  if (schema->kind != SE_SCH_OBJECT && !(schema->kind == SE_SCH_ANY && schema->closed))
    return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                        "Tool “%s”: parameters must be an object schema", name), FALSE;

  g_ptr_array_add (set->names, g_strdup (name));
  g_ptr_array_add (set->definitions,
                   fn == def ? g_strdup_printf ("{\"type\": \"function\", \"function\": %s}", text)
                             : g_strdup (text));
  g_ptr_array_add ((GPtrArray *) set->grammar.args, g_steal_pointer (&schema));
  return TRUE;
}

SeToolSet *
_se_tool_set_new (const char *const *definitions,
                  gsize              n,
                  GError           **error)
{
  SeToolSet *set;
  GPtrArray *schemas;

  g_return_val_if_fail (definitions != NULL || n == 0, NULL);

  if (n == 0 || n > 64)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "A tool set holds 1 to 64 tools");
      return NULL;
    }
  set = g_new0 (SeToolSet, 1);
  set->ref = 1;
  set->definitions = g_ptr_array_new_with_free_func (g_free);
  set->names = g_ptr_array_new_with_free_func (g_free);
  schemas = g_ptr_array_new ();
  set->grammar.args = (SeToolSchema **) (void *) schemas;  /* a GPtrArray until complete */
  for (gsize i = 0; i < n; i++)
    if (!add_tool (set, definitions[i], i, error))
      {
        g_ptr_array_foreach (schemas, (GFunc) (void (*) (void)) _se_tool_schema_free, NULL);
        g_ptr_array_free (schemas, TRUE);
        set->grammar.args = NULL;
        _se_tool_set_unref (set);
        return NULL;
      }
  set->grammar.args = (SeToolSchema **) g_ptr_array_free (schemas, FALSE);
  _se_lit_set_init (&set->grammar.names, set->names->len);
  for (guint i = 0; i < set->names->len; i++)
    {
      GString *q = g_string_new (NULL);
      const char *name = g_ptr_array_index (set->names, i);

      se_json_append_string (q, name, strlen (name));
      _se_lit_set_take (&set->grammar.names, i, g_string_free (q, FALSE));
    }
  g_ptr_array_add (set->definitions, NULL);
  return set;
}

SeToolSet *
_se_tool_set_ref (SeToolSet *set)
{
  g_atomic_int_inc (&set->ref);
  return set;
}

void
_se_tool_set_unref (SeToolSet *set)
{
  if (set == NULL || !g_atomic_int_dec_and_test (&set->ref))
    return;
  for (guint i = 0; set->grammar.args != NULL && i < set->grammar.names.n; i++)
    _se_tool_schema_free (set->grammar.args[i]);
  g_free (set->grammar.args);
  _se_lit_set_clear (&set->grammar.names);
  g_ptr_array_unref (set->definitions);
  g_ptr_array_unref (set->names);
  g_free (set);
}

const char *const *
_se_tool_set_get_chat_tools (SeToolSet *set,
                             gsize     *n)
{
  if (n != NULL)
    *n = set->names->len;
  return (const char *const *) set->definitions->pdata;
}

const SeCallGrammar *
_se_tool_set_get_grammar (SeToolSet *set)
{
  return &set->grammar;
}

gint
_se_tool_set_find (SeToolSet  *set,
                   const char *name)
{
  for (guint i = 0; i < set->names->len; i++)
    if (g_str_equal (g_ptr_array_index (set->names, i), name))
      return (gint) i;
  return -1;
}

const SeToolSchema *
_se_tool_set_get_schema (SeToolSet *set,
                         guint      index)
{
  g_return_val_if_fail (index < set->names->len, NULL);
  return set->grammar.args[index];
}
