/* SPDX-License-Identifier: Apache-2.0
 *
 * The Tools page's dialogs. They only ask: the caller records the answer. A plugin's
 * dialog shows everything its key file declares; the consent step shows an MCP server's
 * command one argument per line, in full, because that exact argv is what starts. Cancel
 * is the default (and Escape) in both.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-mcp-client.h"
#include "sprig-tool-dialogs.h"

static const struct
{
  const char *permission;
  const char *words;
} permission_words[] = {
  { "files-read", N_("Reads files you choose") },
  { "files-write", N_("Writes files") },
  { "network", N_("Uses the network") },
  { "clock", N_("Reads the clock") },
  { "process", N_("Starts programs") },
};

const char *
sprig_tool_permission_describe (const char *permission)
{
  g_return_val_if_fail (permission != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (permission_words); i++)
    if (g_str_equal (permission_words[i].permission, permission))
      return _(permission_words[i].words);
  return NULL;
}

char *
sprig_tool_permissions_describe (const char *const *permissions)
{
  g_autoptr(GStrvBuilder) lines = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  for (guint i = 0; permissions != NULL && permissions[i] != NULL; i++)
    {
      const char *words = sprig_tool_permission_describe (permissions[i]);

      /* The key file reader refuses unknown permissions; never hide one anyway. */
      g_strv_builder_add (lines, words != NULL ? words : permissions[i]);
    }
  strv = g_strv_builder_end (lines);
  return strv[0] != NULL ? g_strjoinv ("\n", strv) : NULL;
}

static GtkWidget *
new_dialog (GtkWindow  *parent,
            const char *heading,
            const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);

  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
#if ADW_CHECK_VERSION (1, 4, 0)
  /* Room for a command line; 1.2 has one width. */
  adw_message_dialog_set_prefer_wide_layout (ADW_MESSAGE_DIALOG (dialog), TRUE);
#endif
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  return dialog;
}

static GtkWidget *
new_label (const char *text,
           gboolean    monospace)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (monospace)
    gtk_widget_add_css_class (label, "monospace");
  return label;
}

/* A caption ("Module") over its value, for the plugin's declarations. */
static void
add_fact (GtkBox     *box,
          const char *caption,
          const char *value,
          gboolean    monospace)
{
  GtkWidget *title = gtk_label_new (caption);
  GtkWidget *label = new_label (value, monospace);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "caption-heading");
  gtk_widget_set_margin_top (title, gtk_widget_get_first_child (GTK_WIDGET (box)) ? 12 : 0);
  gtk_box_append (box, title);
  gtk_box_append (box, label);
}

GtkWidget *
sprig_tool_plugin_dialog_new (GtkWindow                 *parent,
                              const SprigToolPluginInfo *info)
{
  g_autofree char *heading = NULL;
  g_autofree char *permissions = NULL;
  GtkWidget *dialog, *box;

  g_return_val_if_fail (info != NULL, NULL);

  /* TRANSLATORS: %s is a tool plugin's name */
  heading = g_strdup_printf (_("Turn On “%s”?"), info->name);
  dialog = new_dialog (parent, heading,
                       _("Turning it on loads the plugin’s code. The code runs in a separate "
                         "process, with your permissions: it can do anything you can, "
                         "whatever it declares below. Turn it on only if you trust where it "
                         "came from."));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "turn-on", _("_Turn On"));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  add_fact (GTK_BOX (box), _("Description"), info->description, FALSE);
  add_fact (GTK_BOX (box), _("Module"), info->module_path, TRUE);
  permissions = sprig_tool_permissions_describe ((const char *const *) info->permissions);
  add_fact (GTK_BOX (box), _("Permissions"),
            permissions != NULL ? permissions : _("None declared"), FALSE);
  add_fact (GTK_BOX (box), _("Changes"),
            info->read_only ? _("Read-only: says it only reads and changes nothing")
                            : _("Not read-only: it may change things"), FALSE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  return dialog;
}

/* One row per argument, so where each begins and ends is never in doubt. */
static GtkWidget *
argv_list (const char *const *argv)
{
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Command and arguments"), -1);
  for (guint i = 0; argv[i] != NULL; i++)
    {
      GtkWidget *label = new_label (argv[i][0] != '\0' ? argv[i] : _("(empty argument)"),
                                    argv[i][0] != '\0');

      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_widget_set_margin_top (label, 8);
      gtk_widget_set_margin_bottom (label, 8);
      if (argv[i][0] == '\0')
        gtk_widget_add_css_class (label, "dim-label");
      if (i == 0)
        gtk_widget_add_css_class (label, "heading");
      gtk_list_box_append (GTK_LIST_BOX (list), label);
      gtk_list_box_row_set_activatable (
        GTK_LIST_BOX_ROW (gtk_widget_get_last_child (list)), FALSE);
    }
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);
  return scrolled;
}

GtkWidget *
sprig_mcp_consent_dialog_new (GtkWindow                *parent,
                              const SprigMcpServerSpec *spec)
{
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  g_return_val_if_fail (spec != NULL && spec->argv != NULL && spec->argv[0] != NULL, NULL);

  if (sprig_mcp_in_flatpak ())
    /* TRANSLATORS: %s is the name the user gave an MCP server */
    body = g_strdup_printf (_("The server “%s” starts this command outside Sprig’s sandbox "
                              "(with flatpak-spawn --host). It runs with your permissions: "
                              "it can read and change your files, use the network and start "
                              "other programs. Allow it only if you trust it."), spec->name);
  else
    body = g_strdup_printf (_("The server “%s” starts this command. It runs with your "
                              "permissions: it can read and change your files, use the "
                              "network and start other programs. Allow it only if you trust "
                              "it."), spec->name);
  dialog = new_dialog (parent, _("Start This Program?"), body);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "allow", _("_Allow"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "allow",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog),
                                      argv_list ((const char *const *) spec->argv));
  return dialog;
}

/* ---- adding a server ---- */

typedef struct
{
  GPtrArray *servers;
  GtkEditable *name;
  GtkEditable *command;
  GtkLabel *error;
} AddState;

static void
add_state_free (gpointer data)
{
  AddState *state = data;

  g_ptr_array_unref (state->servers);
  g_free (state);
}

static gboolean
name_taken (GPtrArray  *servers,
            const char *name)
{
  for (guint i = 0; i < servers->len; i++)
    if (g_str_equal (((SprigMcpServerSpec *) servers->pdata[i])->name, name))
      return TRUE;
  return FALSE;
}

/* The server the entries describe, or NULL with the reason in @message (NULL while a
 * field is merely empty: nothing to complain about yet). */
static SprigMcpServerSpec *
parse_entries (AddState *state,
               char    **message)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (state->name)));
  const char *command = gtk_editable_get_text (state->command);
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;

  *message = NULL;
  if (name_taken (state->servers, name))
    {
      *message = g_strdup_printf (_("There is already a server named “%s”."), name);
      return NULL;
    }
  if (!g_shell_parse_argv (command, NULL, &argv, &error))
    {
      if (!g_error_matches (error, G_SHELL_ERROR, G_SHELL_ERROR_EMPTY_STRING))
        *message = g_strdup_printf (_("The command cannot be read: %s"), error->message);
      return NULL;
    }
  if (name[0] == '\0')
    return NULL;
  return sprig_mcp_server_spec_new (name, (const char *const *) argv, FALSE);
}

static void
entries_changed_cb (GtkEditable *editable,
                    GtkWidget   *dialog)
{
  AddState *state = g_object_get_data (G_OBJECT (dialog), "sprig-add-state");
  g_autofree char *message = NULL;
  g_autoptr(SprigMcpServerSpec) spec = parse_entries (state, &message);

  gtk_label_set_text (state->error, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (state->error), message != NULL);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add", spec != NULL);
}

static GtkEditable *
add_entry (GtkWidget  *list,
           const char *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (row), TRUE);
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  return GTK_EDITABLE (row);
}

GtkWidget *
sprig_mcp_add_dialog_new (GtkWindow *parent,
                          GPtrArray *servers)
{
  AddState *state = g_new0 (AddState, 1);
  GtkWidget *dialog, *box, *list, *error;

  g_return_val_if_fail (servers != NULL, NULL);

  dialog = new_dialog (parent, _("Add MCP Server"),
                       _("A program on this computer that offers tools over the Model "
                         "Context Protocol. Type its command as you would in a terminal; "
                         "it starts only after you see it in full and allow it."));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "add", _("_Add"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "add",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add", FALSE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "add");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  state->servers = g_ptr_array_ref (servers);
  state->name = add_entry (list, _("_Name"));
  state->command = add_entry (list, _("_Command"));
  gtk_widget_add_css_class (GTK_WIDGET (state->command), "monospace");
  error = new_label (NULL, FALSE);
  gtk_widget_add_css_class (error, "error");
  gtk_widget_set_visible (error, FALSE);
  state->error = GTK_LABEL (error);
  gtk_box_append (GTK_BOX (box), list);
  gtk_box_append (GTK_BOX (box), error);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  g_object_set_data_full (G_OBJECT (dialog), "sprig-add-state", state, add_state_free);
  g_signal_connect (state->name, "changed", G_CALLBACK (entries_changed_cb), dialog);
  g_signal_connect (state->command, "changed", G_CALLBACK (entries_changed_cb), dialog);
  return dialog;
}

SprigMcpServerSpec *
sprig_mcp_add_dialog_dup_spec (GtkWidget *dialog)
{
  AddState *state;
  g_autofree char *message = NULL;

  g_return_val_if_fail (ADW_IS_MESSAGE_DIALOG (dialog), NULL);

  state = g_object_get_data (G_OBJECT (dialog), "sprig-add-state");
  g_return_val_if_fail (state != NULL, NULL);
  return parse_entries (state, &message);
}
