/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "sprig-tool-call-item"

#include "config.h"

#include <glib/gi18n.h>
#include <sprig/se-json.h>

#include "sprig-tool-call-item.h"

struct _SprigToolCallItem
{
  GObject parent_instance;

  char *name;
  char *title;
  char *source;
  char *arguments;
  char *result;
  SprigToolCallState state;
  gint64 store_id;
  gboolean read_only;
  gboolean can_always_allow;
  gboolean picks_file;
  gboolean edited;
  gboolean answered;
};

G_DEFINE_FINAL_TYPE (SprigToolCallItem, sprig_tool_call_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_TITLE,
  PROP_SOURCE,
  PROP_ARGUMENTS,
  PROP_STATE,
  PROP_RESULT,
  PROP_READ_ONLY,
  PROP_CAN_ALWAYS_ALLOW,
  PROP_PICKS_FILE,
  PROP_EDITED,
  N_PROPS
};

enum {
  SIGNAL_ANSWERED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const struct
{
  const char *id;
  const char *label;
  const char *icon;
} states[] = {
  [SPRIG_TOOL_CALL_QUEUED] = { "queued", N_("Queued"), "content-loading-symbolic" },
  [SPRIG_TOOL_CALL_WAITING] = { "waiting", N_("Waiting for you"), "dialog-question-symbolic" },
  [SPRIG_TOOL_CALL_RUNNING] = { "running", N_("Running"), "content-loading-symbolic" },
  [SPRIG_TOOL_CALL_DONE] = { "done", N_("Done"), "object-select-symbolic" },
  [SPRIG_TOOL_CALL_FAILED] = { "failed", N_("Failed"), "dialog-error-symbolic" },
  [SPRIG_TOOL_CALL_DENIED] = { "denied", N_("Denied"), "action-unavailable-symbolic" },
  [SPRIG_TOOL_CALL_CANCELLED] = { "cancelled", N_("Stopped"), "media-playback-stop-symbolic" },
  [SPRIG_TOOL_CALL_SKIPPED] = { "skipped", N_("Skipped"), "media-skip-forward-symbolic" },
};

const char *
sprig_tool_call_state_to_label (SprigToolCallState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (states), NULL);
  return _(states[state].label);
}

const char *
sprig_tool_call_state_to_icon_name (SprigToolCallState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (states), NULL);
  return states[state].icon;
}

const char *
sprig_tool_call_state_to_string (SprigToolCallState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (states), NULL);
  return states[state].id;
}

gboolean
sprig_tool_call_state_from_string (const char         *str,
                                   SprigToolCallState *state)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (states); i++)
    if (g_str_equal (states[i].id, str))
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

SprigToolCallItem *
sprig_tool_call_item_new (const char *name,
                          const char *arguments)
{
  SprigToolCallItem *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (SPRIG_TYPE_TOOL_CALL_ITEM, NULL);
  self->name = g_strdup (name);
  self->arguments = g_strdup (arguments != NULL ? arguments : "{}");
  return self;
}

const char *
sprig_tool_call_item_get_name (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), NULL);
  return self->name;
}

const char *
sprig_tool_call_item_get_title (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), NULL);
  return self->title != NULL ? self->title : self->name;
}

static void
set_string (SprigToolCallItem  *self,
            char              **field,
            const char         *value,
            guint               prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_flag (SprigToolCallItem *self,
          gboolean          *field,
          gboolean           value,
          guint              prop)
{
  if (*field == !!value)
    return;
  *field = !!value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
sprig_tool_call_item_set_title (SprigToolCallItem *self,
                                const char        *title)
{
  g_return_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self));
  set_string (self, &self->title, title, PROP_TITLE);
}

const char *
sprig_tool_call_item_get_source (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), NULL);
  return self->source;
}

void
sprig_tool_call_item_set_source (SprigToolCallItem *self,
                                 const char        *source)
{
  g_return_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self));
  set_string (self, &self->source, source, PROP_SOURCE);
}

const char *
sprig_tool_call_item_get_arguments (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), NULL);
  return self->arguments;
}

static void
append_indent (GString *out,
               guint    depth)
{
  g_string_append_c (out, '\n');
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

static void
append_pretty (GString          *out,
               const SeJsonNode *node,
               guint             depth)
{
  gsize n = se_json_node_get_size (node);

  switch (se_json_node_get_node_type (node))
    {
    case SE_JSON_OBJECT:
      if (n == 0)
        {
          g_string_append (out, "{}");
          break;
        }
      g_string_append_c (out, '{');
      for (gsize i = 0; i < n; i++)
        {
          gsize len;
          const char *key = se_json_node_get_member_name (node, i, &len);

          append_indent (out, depth + 1);
          se_json_append_string (out, key, len);
          g_string_append (out, ": ");
          append_pretty (out, se_json_node_get_element (node, i), depth + 1);
          if (i + 1 < n)
            g_string_append_c (out, ',');
        }
      append_indent (out, depth);
      g_string_append_c (out, '}');
      break;
    case SE_JSON_ARRAY:
      if (n == 0)
        {
          g_string_append (out, "[]");
          break;
        }
      g_string_append_c (out, '[');
      for (gsize i = 0; i < n; i++)
        {
          append_indent (out, depth + 1);
          append_pretty (out, se_json_node_get_element (node, i), depth + 1);
          if (i + 1 < n)
            g_string_append_c (out, ',');
        }
      append_indent (out, depth);
      g_string_append_c (out, ']');
      break;
    default:
      {
        g_autofree char *text = se_json_node_to_string (node, SE_JSON_STYLE_COMPACT);

        g_string_append (out, text);
      }
    }
}

char *
sprig_tool_call_item_dup_pretty_arguments (SprigToolCallItem *self)
{
  g_autoptr(SeJsonNode) root = NULL;
  GString *out;

  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), NULL);

  root = se_json_parse (self->arguments, -1, NULL);
  if (root == NULL)
    return g_strdup (self->arguments);
  out = g_string_new (NULL);
  append_pretty (out, root, 0);
  return g_string_free (out, FALSE);
}

SprigToolCallState
sprig_tool_call_item_get_state (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), SPRIG_TOOL_CALL_QUEUED);
  return self->state;
}

void
sprig_tool_call_item_set_state (SprigToolCallItem  *self,
                                SprigToolCallState  state)
{
  g_return_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self));
  g_return_if_fail (state < G_N_ELEMENTS (states));

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

const char *
sprig_tool_call_item_get_result (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), NULL);
  return self->result;
}

void
sprig_tool_call_item_set_result (SprigToolCallItem  *self,
                                 SprigToolCallState  state,
                                 const char         *result)
{
  g_return_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->result, result, PROP_RESULT);
  sprig_tool_call_item_set_state (self, state);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
sprig_tool_call_item_get_read_only (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), FALSE);
  return self->read_only;
}

void
sprig_tool_call_item_set_read_only (SprigToolCallItem *self,
                                    gboolean           read_only)
{
  g_return_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self));
  set_flag (self, &self->read_only, read_only, PROP_READ_ONLY);
}

gboolean
sprig_tool_call_item_get_can_always_allow (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), FALSE);
  return self->can_always_allow;
}

void
sprig_tool_call_item_set_can_always_allow (SprigToolCallItem *self,
                                           gboolean           can)
{
  g_return_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self));
  set_flag (self, &self->can_always_allow, can, PROP_CAN_ALWAYS_ALLOW);
}

gboolean
sprig_tool_call_item_get_picks_file (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), FALSE);
  return self->picks_file;
}

void
sprig_tool_call_item_set_picks_file (SprigToolCallItem *self,
                                     gboolean           picks_file)
{
  g_return_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self));
  set_flag (self, &self->picks_file, picks_file, PROP_PICKS_FILE);
}

gboolean
sprig_tool_call_item_get_edited (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), FALSE);
  return self->edited;
}

gint64
sprig_tool_call_item_get_store_id (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), 0);
  return self->store_id;
}

void
sprig_tool_call_item_set_store_id (SprigToolCallItem *self,
                                   gint64             id)
{
  g_return_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self));
  self->store_id = id;
}

/* The compact text of @text when it is a JSON object, else NULL. */
static char *
compact_object (const char *text)
{
  g_autoptr(SeJsonNode) root = se_json_parse (text, -1, NULL);

  if (root == NULL || se_json_node_get_node_type (root) != SE_JSON_OBJECT)
    return NULL;
  return se_json_node_to_string (root, SE_JSON_STYLE_COMPACT);
}

gboolean
sprig_tool_call_item_answer (SprigToolCallItem *self,
                             SprigToolAnswer    answer,
                             const char        *arguments)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), FALSE);

  if (self->answered || self->state != SPRIG_TOOL_CALL_WAITING)
    return FALSE;
  if (answer != SPRIG_TOOL_ANSWER_DENY && arguments != NULL)
    {
      g_autofree char *edited = compact_object (arguments);
      g_autofree char *before = compact_object (self->arguments);

      if (edited == NULL)
        return FALSE;
      /* Compared compact: the same object re-indented is no edit. */
      if (g_strcmp0 (edited, before) != 0)
        {
          set_string (self, &self->arguments, edited, PROP_ARGUMENTS);
          set_flag (self, &self->edited, TRUE, PROP_EDITED);
        }
    }
  self->answered = TRUE;
  g_signal_emit (self, signals[SIGNAL_ANSWERED], 0, (int) answer, self->arguments);
  return TRUE;
}

gboolean
sprig_tool_call_item_get_answered (SprigToolCallItem *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CALL_ITEM (self), FALSE);
  return self->answered;
}

static void
sprig_tool_call_item_finalize (GObject *object)
{
  SprigToolCallItem *self = SPRIG_TOOL_CALL_ITEM (object);

  g_free (self->name);
  g_free (self->title);
  g_free (self->source);
  g_free (self->arguments);
  g_free (self->result);
  G_OBJECT_CLASS (sprig_tool_call_item_parent_class)->finalize (object);
}

static void
sprig_tool_call_item_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  SprigToolCallItem *self = SPRIG_TOOL_CALL_ITEM (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_TITLE:
      g_value_set_string (value, sprig_tool_call_item_get_title (self));
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_ARGUMENTS:
      g_value_set_string (value, self->arguments);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_RESULT:
      g_value_set_string (value, self->result);
      break;
    case PROP_READ_ONLY:
      g_value_set_boolean (value, self->read_only);
      break;
    case PROP_CAN_ALWAYS_ALLOW:
      g_value_set_boolean (value, self->can_always_allow);
      break;
    case PROP_PICKS_FILE:
      g_value_set_boolean (value, self->picks_file);
      break;
    case PROP_EDITED:
      g_value_set_boolean (value, self->edited);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_tool_call_item_class_init (SprigToolCallItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sprig_tool_call_item_finalize;
  object_class->get_property = sprig_tool_call_item_get_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_SOURCE] = g_param_spec_string ("source", NULL, NULL, NULL, flags);
  properties[PROP_ARGUMENTS] = g_param_spec_string ("arguments", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, SPRIG_TOOL_CALL_SKIPPED,
                                             0, flags);
  properties[PROP_RESULT] = g_param_spec_string ("result", NULL, NULL, NULL, flags);
  properties[PROP_READ_ONLY] = g_param_spec_boolean ("read-only", NULL, NULL, FALSE, flags);
  properties[PROP_CAN_ALWAYS_ALLOW] = g_param_spec_boolean ("can-always-allow", NULL, NULL,
                                                            FALSE, flags);
  properties[PROP_PICKS_FILE] = g_param_spec_boolean ("picks-file", NULL, NULL, FALSE, flags);
  properties[PROP_EDITED] = g_param_spec_boolean ("edited", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The user decided: (SprigToolAnswer answer, const char *arguments to run with). */
  signals[SIGNAL_ANSWERED] = g_signal_new ("answered", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
}

static void
sprig_tool_call_item_init (SprigToolCallItem *self)
{
  self->can_always_allow = TRUE;
}
