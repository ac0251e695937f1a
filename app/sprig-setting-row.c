/* SPDX-License-Identifier: Apache-2.0
 *
 * Rows for the settings a reply is generated with, shared by the Preferences window
 * (bound to GSettings) and the per-conversation dialog (filled from and read into a
 * SprigChatSettings). Built from the key table in sprig-chat-settings.c, so both show
 * the same ranges, steps and explanations. AdwActionRow with a GtkSpinButton or a
 * GtkSwitch works on libadwaita 1.2 (AdwSpinRow and AdwSwitchRow arrived in 1.4).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-setting-row.h"

#define KEY_DATA "sprig-setting-key"
#define CONTROL_DATA "sprig-setting-control"

typedef struct
{
  const char *json_key;
  const char *title;
  const char *subtitle;
  double step;
  guint digits;
} RowText;

/* The largest integer a double (and so a GtkAdjustment) holds exactly. */
#define MAX_EXACT 9007199254740992.0

static const RowText texts[] = {
  { "temperature", N_("Temperature"),
    N_("Higher is more varied, 0 always picks the likeliest word"), 0.05, 2 },
  { "top_p", N_("Top-p"),
    N_("Choose among the likeliest words up to this total probability; 1 is off"), 0.01, 2 },
  { "top_k", N_("Top-k"), N_("Choose among this many likeliest words; 0 is off"), 1, 0 },
  { "min_p", N_("Min-p"),
    N_("Leave out words less likely than this share of the likeliest; 0 is off"), 0.01, 2 },
  { "repeat_penalty", N_("Repetition Penalty"),
    N_("Discourage repeating recent words; 1 is off"), 0.05, 2 },
  { "seed", N_("Seed"),
    N_("The same seed repeats a reply exactly; -1 picks a new one every time"), 1, 0 },
  { "context_length", N_("Context Length"),
    N_("Tokens of conversation the model keeps in view; 0 uses all the model supports"),
    1024, 0 },
  { "enable_thinking", N_("Thinking"), N_("Let Qwen3 models reason before they answer"), 0, 0 },
  { "tools", N_("Tools"),
    N_("Let the assistant call the tools turned on in Preferences; each call asks first"), 0, 0 },
};

static const RowText *
find_text (const char *json_key)
{
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    if (g_str_equal (texts[i].json_key, json_key))
      return &texts[i];
  g_return_val_if_reached (NULL);
}

static GtkWidget *
make_control (const SprigChatSettingKey *key,
              const RowText             *text)
{
  GtkWidget *control;

  if (key->type == SPRIG_CHAT_SETTING_BOOL)
    control = gtk_switch_new ();
  else
    {
      GtkAdjustment *adj = gtk_adjustment_new (key->fallback, key->min, MIN (key->max, MAX_EXACT),
                                               text->step, text->step * 10, 0);

      control = gtk_spin_button_new (adj, text->step, text->digits);
      gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (control), TRUE);
      /* Room for the digits the value can have, at most a screenful. */
      gtk_editable_set_width_chars (GTK_EDITABLE (control),
                                    key->max > 1e7 ? 12 : key->max >= 1e4 ? 7 : 5);
    }
  gtk_widget_set_valign (control, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _(text->title), -1);
  return control;
}

GtkWidget *
sprig_setting_row_new (const char *json_key)
{
  const SprigChatSettingKey *key = sprig_chat_settings_find_key (json_key);
  const RowText *text = find_text (json_key);
  GtkWidget *row;
  GtkWidget *control;

  g_return_val_if_fail (key != NULL && text != NULL, NULL);

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(text->title));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(text->subtitle));
  control = make_control (key, text);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), control);
  if (GTK_IS_SWITCH (control))
    adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), control);
  g_object_set_data (G_OBJECT (row), KEY_DATA, (gpointer) key);
  g_object_set_data (G_OBJECT (row), CONTROL_DATA, control);
  gtk_widget_set_name (row, json_key);
  return row;
}

const SprigChatSettingKey *
sprig_setting_row_get_key (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), KEY_DATA);
}

static GtkWidget *
get_control (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), CONTROL_DATA);
}

double
sprig_setting_row_get_value (GtkWidget *row)
{
  GtkWidget *control = get_control (row);

  g_return_val_if_fail (control != NULL, 0);
  if (GTK_IS_SWITCH (control))
    return gtk_switch_get_active (GTK_SWITCH (control));
  /* A number typed but not yet confirmed with Enter counts too. */
  gtk_spin_button_update (GTK_SPIN_BUTTON (control));
  return gtk_spin_button_get_value (GTK_SPIN_BUTTON (control));
}

void
sprig_setting_row_set_value (GtkWidget *row,
                             double     value)
{
  GtkWidget *control = get_control (row);

  g_return_if_fail (control != NULL);
  if (GTK_IS_SWITCH (control))
    gtk_switch_set_active (GTK_SWITCH (control), value != 0);
  else
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (control), value);
}

void
sprig_setting_row_bind (GtkWidget *row,
                        GSettings *settings)
{
  const SprigChatSettingKey *key = sprig_setting_row_get_key (row);
  GtkWidget *control = get_control (row);

  g_return_if_fail (key != NULL);
  if (GTK_IS_SWITCH (control))
    g_settings_bind (settings, key->settings_key, control, "active", G_SETTINGS_BIND_DEFAULT);
  else
    g_settings_bind (settings, key->settings_key,
                     gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (control)), "value",
                     G_SETTINGS_BIND_DEFAULT);
}

void
sprig_setting_rows_add_all (AdwPreferencesGroup *group,
                            const char          *skip)
{
  guint n;
  const SprigChatSettingKey *keys = sprig_chat_settings_get_keys (&n);

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (keys[i].json_key, skip) != 0)
      adw_preferences_group_add (group, sprig_setting_row_new (keys[i].json_key));
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *out)
{
  if (sprig_setting_row_get_key (widget) != NULL)
    {
      g_ptr_array_add (out, widget);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    collect_rows (c, out);
}

GPtrArray *
sprig_setting_rows_find (AdwPreferencesGroup *group)
{
  GPtrArray *rows = g_ptr_array_new ();

  collect_rows (GTK_WIDGET (group), rows);
  return rows;
}
