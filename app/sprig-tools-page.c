/* SPDX-License-Identifier: Apache-2.0
 *
 * The Tools page of Preferences: the built-in tools and the tool plugins found in the
 * plugin folders, each with what it declares and a switch bound to membership in
 * "enabled-tool-plugins", the key files that could not be read, and the limits of a
 * call. Listing reads key files only (on a worker thread) and never loads a module; a
 * plugin is turned on only after its dialog said what it declares. The MCP servers are
 * in sprig-tools-page-servers.c.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-tool-dialogs.h"
#include "sprig-tool-keyfile.h"
#include "sprig-tool-settings.h"
#include "sprig-tools-page-private.h"

#define ROW_ID     "sprig-tool-id"
#define ROW_INFO   "sprig-tool-info"    /* a plugin's SprigToolPluginInfo; NULL for built-ins */
#define DOCS_URL   "https://github.com/sprigchat/sprig/blob/main/docs/tools.md#writing-a-tool-plugin"

G_DEFINE_FINAL_TYPE (SprigToolsPage, sprig_tools_page, ADW_TYPE_PREFERENCES_PAGE)

/* ---- shared with the servers ---- */

GtkWindow *
_sprig_tools_page_get_window (SprigToolsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

void
_sprig_tools_page_set_switch (SprigToolsPage *self,
                              GtkSwitch      *sw,
                              gboolean        active)
{
  self->syncing++;
  gtk_switch_set_active (sw, active);
  self->syncing--;
}

GtkSwitch *
_sprig_tools_page_add_switch (SprigToolsPage *self,
                              AdwActionRow   *row,
                              GCallback       notify_active)
{
  GtkWidget *sw = gtk_switch_new ();

  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), -1);
  adw_action_row_add_suffix (row, sw);
  adw_action_row_set_activatable_widget (row, sw);
  g_signal_connect_object (sw, "notify::active", notify_active, self, 0);
  g_object_set_data (G_OBJECT (row), SPRIG_TOOLS_ROW_SWITCH, sw);
  return GTK_SWITCH (sw);
}

/* ---- one row per tool ---- */

static void
sync_tool_switches (SprigToolsPage *self)
{
  for (guint i = 0; i < self->tool_rows->len; i++)
    {
      GObject *row = self->tool_rows->pdata[i];
      GtkSwitch *sw = g_object_get_data (row, SPRIG_TOOLS_ROW_SWITCH);

      if (sw != NULL)
        _sprig_tools_page_set_switch (
          self, sw,
          sprig_tool_settings_get_plugin_enabled (self->settings, g_object_get_data (row, ROW_ID)));
    }
}

typedef struct
{
  SprigToolsPage *self;
  char *id;
} PluginAnswer;

static void
plugin_answer_free (gpointer data,
                    GClosure *closure)
{
  PluginAnswer *answer = data;

  g_object_unref (answer->self);
  g_free (answer->id);
  g_free (answer);
}

static void
plugin_dialog_response_cb (AdwMessageDialog *dialog,
                           const char       *response,
                           PluginAnswer     *answer)
{
  if (g_str_equal (response, "turn-on"))
    sprig_tool_settings_set_plugin_enabled (answer->self->settings, answer->id, TRUE);
}

static void
ask_plugin (SprigToolsPage            *self,
            const SprigToolPluginInfo *info)
{
  GtkWidget *dialog = sprig_tool_plugin_dialog_new (_sprig_tools_page_get_window (self), info);
  PluginAnswer *answer = g_new0 (PluginAnswer, 1);

  answer->self = g_object_ref (self);
  answer->id = g_strdup (info->id);
  g_signal_connect_data (dialog, "response", G_CALLBACK (plugin_dialog_response_cb), answer,
                         plugin_answer_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
tool_switch_cb (GtkSwitch      *sw,
                GParamSpec     *pspec,
                SprigToolsPage *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (sw), ADW_TYPE_ACTION_ROW);
  const char *id = g_object_get_data (G_OBJECT (row), ROW_ID);
  const SprigToolPluginInfo *info = g_object_get_data (G_OBJECT (row), ROW_INFO);
  gboolean active = gtk_switch_get_active (sw);

  if (self->syncing > 0
      || active == sprig_tool_settings_get_plugin_enabled (self->settings, id))
    return;
  if (active && info != NULL)
    {
      /* Not before the user has read what it declares: the dialog turns it on. */
      _sprig_tools_page_set_switch (self, sw, FALSE);
      ask_plugin (self, info);
      return;
    }
  sprig_tool_settings_set_plugin_enabled (self->settings, id, active);
}

/* The description, then what the tool may do in bold, one permission after the other.
 * Key files are not markup: everything from them is escaped. */
static char *
permissions_subtitle (const char        *description,
                      const char *const *permissions)
{
  g_autofree char *words = sprig_tool_permissions_describe (permissions);
  g_autofree char *escaped = g_markup_escape_text (description, -1);
  g_auto(GStrv) lines = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *escaped_words = NULL;

  if (words == NULL)
    return g_steal_pointer (&escaped);
  lines = g_strsplit (words, "\n", -1);
  /* TRANSLATORS: between two permissions of a tool ("Uses the network · Writes files") */
  joined = g_strjoinv (_(" · "), lines);
  escaped_words = g_markup_escape_text (joined, -1);
  return g_strdup_printf ("%s\n<b>%s</b>", escaped, escaped_words);
}

static void
add_tool_row (SprigToolsPage            *self,
              AdwPreferencesGroup       *group,
              const char                *id,
              const char                *name,
              const char                *description,
              gboolean                   read_only,
              const char *const         *permissions,
              const SprigToolPluginInfo *plugin)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = g_markup_escape_text (name, -1);
  g_autofree char *subtitle = permissions_subtitle (description, permissions);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (plugin != NULL)
    gtk_widget_set_tooltip_text (row, plugin->module_path);
  if (read_only)
    {
      GtkWidget *tag = gtk_label_new (_("Read-only"));

      gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (tag, "sprig-tag");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), tag);
    }
  g_object_set_data_full (G_OBJECT (row), ROW_ID, g_strdup (id), g_free);
  g_object_set_data (G_OBJECT (row), ROW_INFO, (gpointer) plugin);
  _sprig_tools_page_add_switch (self, ADW_ACTION_ROW (row), G_CALLBACK (tool_switch_cb));
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->tool_rows, row);
}

static void
add_error_row (SprigToolsPage *self,
               const GError   *error)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("A Plugin File Has an Error"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error->message);
  gtk_widget_add_css_class (icon, "warning");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Error"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_preferences_group_add (self->plugins_group, row);
  g_ptr_array_add (self->tool_rows, row);
}

static void
add_empty_line (SprigToolsPage *self,
                const char     *folder)
{
  g_autofree char *escaped = g_markup_escape_text (folder, -1);
  /* TRANSLATORS: %s is a folder; the link's text names a section of the documentation */
  g_autofree char *text = g_strdup_printf (_("No plugins installed. To add one, put its "
                                             "“.so” and “.plugin” files in %s. See "
                                             "<a href=\"%s\">Writing a tool plugin</a>."),
                                           escaped, DOCS_URL);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_markup (GTK_LABEL (label), text);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  adw_preferences_group_add (self->plugins_group, label);
  g_ptr_array_add (self->tool_rows, label);
}

/* The built-ins' folders: sprig_tool_plugin_builtin_dirs () for the real folders, the
 * last of @dirs when a test gave its own. */
static gboolean
is_builtin_dir (SprigToolsPage *self,
                const char     *canonical)
{
  g_auto(GStrv) builtin = self->dirs == NULL ? sprig_tool_plugin_builtin_dirs () : NULL;

  if (self->dirs != NULL)
    {
      guint n = g_strv_length (self->dirs);
      g_autofree char *last = n > 0 ? g_canonicalize_filename (self->dirs[n - 1], NULL) : NULL;

      return g_strcmp0 (canonical, last) == 0;
    }
  for (guint i = 0; builtin[i] != NULL; i++)
    {
      g_autofree char *dir = g_canonicalize_filename (builtin[i], NULL);

      if (g_str_equal (dir, canonical))
        return TRUE;
    }
  return FALSE;
}

static void
show_tools (SprigToolsPage *self,
            GPtrArray      *errors)
{
  static const char *const read_file_permissions[] = { "files-read", NULL };
  guint n_plugins = 0;

  g_object_ref (self->read_only_row);
  adw_preferences_group_remove (self->builtin_group, self->read_only_row);
  for (guint i = 0; i < self->infos->len; i++)
    {
      const SprigToolPluginInfo *info = self->infos->pdata[i];
      g_autofree char *folder = g_path_get_dirname (info->path);
      g_autofree char *canonical = g_canonicalize_filename (folder, NULL);
      gboolean builtin = is_builtin_dir (self, canonical);

      add_tool_row (self, builtin ? self->builtin_group : self->plugins_group, info->id,
                    info->name, info->description, info->read_only,
                    (const char *const *) info->permissions, builtin ? NULL : info);
      n_plugins += !builtin;
    }
  add_tool_row (self, self->builtin_group, SPRIG_READ_FILE_TOOL_ID, _("Read File"),
                _("Reads a text file that you choose when the assistant asks for one"), TRUE,
                read_file_permissions, NULL);
  adw_preferences_group_add (self->builtin_group, self->read_only_row);
  g_object_unref (self->read_only_row);

  for (guint i = 0; errors != NULL && i < errors->len; i++)
    add_error_row (self, errors->pdata[i]);
  if (n_plugins == 0 && (errors == NULL || errors->len == 0))
    {
      /* Where a user puts plugins: their own folder (the first a test names). */
      g_autofree char *user_dir = self->dirs != NULL
                                  ? g_strdup (self->dirs[0])
                                  : g_build_filename (g_get_user_data_dir (), "sprig", "tools", NULL);

      add_empty_line (self, user_dir);
    }
  sync_tool_switches (self);
}

static void
clear_tools (SprigToolsPage *self)
{
  for (guint i = 0; i < self->tool_rows->len; i++)
    {
      GtkWidget *row = self->tool_rows->pdata[i];

      adw_preferences_group_remove (ADW_PREFERENCES_GROUP (
        gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP)), row);
    }
  g_ptr_array_set_size (self->tool_rows, 0);
  g_ptr_array_set_size (self->infos, 0);
}

/* ---- listing, on a worker thread ---- */

typedef struct
{
  GPtrArray *infos;
  GPtrArray *errors;
} ScanResult;

static void
scan_result_free (gpointer data)
{
  ScanResult *result = data;

  g_clear_pointer (&result->infos, g_ptr_array_unref);
  g_clear_pointer (&result->errors, g_ptr_array_unref);
  g_free (result);
}

static void
scan_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *const *dirs = task_data;
  ScanResult *result = g_new0 (ScanResult, 1);

  result->infos = sprig_tool_plugin_info_scan (dirs, &result->errors);
  g_task_return_pointer (task, result, scan_result_free);
}

static void
scan_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  SprigToolsPage *self = SPRIG_TOOLS_PAGE (source);
  ScanResult *result = g_task_propagate_pointer (G_TASK (res), NULL);

  if (result == NULL)
    return;  /* cancelled: a newer scan or the page's end */
  clear_tools (self);
  g_ptr_array_extend_and_steal (self->infos, g_steal_pointer (&result->infos));
  show_tools (self, result->errors);
  self->scanned = TRUE;
  scan_result_free (result);
}

static void
start_scan (SprigToolsPage *self)
{
  g_autoptr(GTask) task = NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->scanned = FALSE;
  task = g_task_new (self, self->cancellable, scan_done_cb, NULL);
  g_task_set_source_tag (task, start_scan);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_set_task_data (task, self->dirs != NULL ? g_strdupv (self->dirs) : sprig_tool_plugin_dirs (),
                        (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, scan_thread);
}

void
sprig_tools_page_set_plugin_dirs (SprigToolsPage    *self,
                                  const char *const *dirs)
{
  g_return_if_fail (SPRIG_IS_TOOLS_PAGE (self));

  g_strfreev (self->dirs);
  self->dirs = g_strdupv ((char **) dirs);
  start_scan (self);
}

gboolean
sprig_tools_page_get_scanned (SprigToolsPage *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOLS_PAGE (self), FALSE);

  return self->scanned;
}

/* ---- the page ---- */

static void
add_server_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  _sprig_tools_page_add_server (SPRIG_TOOLS_PAGE (widget));
}

static void
sprig_tools_page_dispose (GObject *object)
{
  SprigToolsPage *self = SPRIG_TOOLS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_TOOLS_PAGE);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (sprig_tools_page_parent_class)->dispose (object);
}

static void
sprig_tools_page_finalize (GObject *object)
{
  SprigToolsPage *self = SPRIG_TOOLS_PAGE (object);

  /* Kept until here: a dialog still open may answer after the page is gone. */
  g_clear_object (&self->settings);
  g_clear_pointer (&self->dirs, g_strfreev);
  g_clear_pointer (&self->infos, g_ptr_array_unref);
  g_clear_pointer (&self->tool_rows, g_ptr_array_unref);
  g_clear_pointer (&self->servers, g_ptr_array_unref);
  g_clear_pointer (&self->server_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (sprig_tools_page_parent_class)->finalize (object);
}

static void
sprig_tools_page_class_init (SprigToolsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_tools_page_dispose;
  object_class->finalize = sprig_tools_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-tools-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigToolsPage, builtin_group);
  gtk_widget_class_bind_template_child (widget_class, SprigToolsPage, plugins_group);
  gtk_widget_class_bind_template_child (widget_class, SprigToolsPage, servers_group);
  gtk_widget_class_bind_template_child (widget_class, SprigToolsPage, read_only_row);
  gtk_widget_class_bind_template_child (widget_class, SprigToolsPage, read_only_switch);
  gtk_widget_class_bind_template_child (widget_class, SprigToolsPage, timeout_adjustment);
  gtk_widget_class_bind_template_child (widget_class, SprigToolsPage, rounds_adjustment);
  gtk_widget_class_install_action (widget_class, "tools.add-server", NULL, add_server_cb);
}

static void
sprig_tools_page_init (SprigToolsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (APP_ID);
  self->infos = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_tool_plugin_info_free);
  self->tool_rows = g_ptr_array_new ();

  g_settings_bind (self->settings, "run-read-only-tools", self->read_only_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "tool-timeout", self->timeout_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "tool-max-rounds", self->rounds_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_swapped (self->settings, "changed::enabled-tool-plugins",
                            G_CALLBACK (sync_tool_switches), self);
  _sprig_tools_page_servers_init (self);
  start_scan (self);
}

GtkWidget *
sprig_tools_page_new (void)
{
  return g_object_new (SPRIG_TYPE_TOOLS_PAGE, NULL);
}
