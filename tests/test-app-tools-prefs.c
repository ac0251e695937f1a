/* SPDX-License-Identifier: Apache-2.0
 *
 * The Tools page of Preferences under Xvfb, with plugin folders of the test's own (the
 * build's built-in key files copied into one, made-up plugins and a broken key file in
 * the user's): built-ins and plugins listed with what they declare, the broken file as
 * an error row, an empty folder as the empty line; a plugin turned on only through its
 * dialog (Cancel leaves it off); a server added is shown in full, approved only by
 * Allow, and an edited command is not approved. Screenshots go to tests/screenshots/.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sprig-application.h"
#include "sprig-preferences-window.h"
#include "sprig-test-ui.h"
#include "sprig-tool-settings.h"
#include "sprig-tools-page.h"

static SprigApplication *the_app;
static GSettings *settings;
static char *tmpdir;
static char *user_dir;
static char *builtin_dir;
static char *empty_dir;

/* ---- helpers ---- */

static gboolean
is_label_equal (GtkWidget     *widget,
                gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_str_equal (gtk_label_get_text (GTK_LABEL (widget)), text);
}

static const char *
subtitle (GtkWidget *row)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

static const char *
group_title (GtkWidget *row)
{
  return adw_preferences_group_get_title (
    ADW_PREFERENCES_GROUP (gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP)));
}

static GtkSwitch *
row_switch (GtkWidget *row)
{
  return GTK_SWITCH (sprig_test_find_type (row, GTK_TYPE_SWITCH));
}

static gboolean
toplevel_shown (gpointer type)
{
  return sprig_test_find_toplevel (GPOINTER_TO_SIZE (type)) != NULL;
}

static AdwMessageDialog *
wait_for_dialog (const char *what)
{
  sprig_test_wait_for (toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), what);
  return ADW_MESSAGE_DIALOG (sprig_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
}

static gboolean
is_button_labelled (GtkWidget     *widget,
                    gconstpointer  label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)),
                                              label) == 0;
}

/* Whether @window (compared, never touched: it may be gone) is no longer shown. */
static gboolean
window_gone (gpointer window)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (l->data == window && gtk_widget_get_visible (l->data))
      return FALSE;
  return TRUE;
}

/* Clicks the button of @response, as the user would. */
static void
respond (AdwMessageDialog *dialog,
         const char       *response)
{
  GtkWidget *button = sprig_test_find (GTK_WIDGET (dialog), is_button_labelled,
                                       adw_message_dialog_get_response_label (dialog, response));

  g_assert_nonnull (button);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, response));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  sprig_test_wait_for (window_gone, dialog, "the dialog to close");
}

static GtkWidget *
prefs (void)
{
  return GTK_WIDGET (sprig_test_find_toplevel (SPRIG_TYPE_PREFERENCES_WINDOW));
}

static SprigToolsPage *
tools_page (void)
{
  return SPRIG_TOOLS_PAGE (sprig_test_find_type (prefs (), SPRIG_TYPE_TOOLS_PAGE));
}

static gboolean
scanned (gpointer page)
{
  return sprig_tools_page_get_scanned (page);
}

static void
list_from (const char *user)
{
  const char *dirs[] = { user, builtin_dir, NULL };

  sprig_tools_page_set_plugin_dirs (tools_page (), dirs);
  sprig_test_wait_for (scanned, tools_page (), "the plugin folders listed");
}

static void
write_key_file (const char *dir,
                const char *name,
                const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
copy_builtin (const char *tool)
{
  g_autofree char *file = g_strconcat (tool, ".plugin", NULL);
  g_autofree char *from = g_build_filename (g_getenv ("SPRIG_TEST_TOOLS_BUILD_DIR"), tool, file,
                                            NULL);
  g_autofree char *to = g_build_filename (builtin_dir, file, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (from, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (to, text, -1, NULL));
}

static gboolean
has_css_class (GtkWidget     *widget,
               gconstpointer  name)
{
  return gtk_widget_has_css_class (widget, name);
}

static gboolean
is_remove_button (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), "Remove") == 0;
}

static GtkWidget *
remove_button (GtkWidget *row)
{
  return sprig_test_find (row, is_remove_button, NULL);
}

/* ---- tests ---- */

static void
test_lists_tools (void)
{
  GtkWidget *win = sprig_preferences_window_new (NULL);
  GtkWidget *row;

  gtk_window_set_application (GTK_WINDOW (win), GTK_APPLICATION (the_app));
  gtk_window_present (GTK_WINDOW (win));
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (win), "tools");
  list_from (user_dir);

  /* the built-ins, from their key files, and read-file, which lives in the app */
  row = sprig_test_find_row (win, "Calculator");
  g_assert_nonnull (row);
  g_assert_cmpstr (group_title (row), ==, "Built-in Tools");
  g_assert_nonnull (strstr (subtitle (row), "arithmetic"));
  g_assert_nonnull (sprig_test_find (row, is_label_equal, "Read-only"));
  g_assert_true (gtk_switch_get_active (row_switch (row)));
  row = sprig_test_find_row (win, "Clock");
  g_assert_cmpstr (group_title (row), ==, "Built-in Tools");
  g_assert_nonnull (strstr (subtitle (row), "Reads the clock"));
  row = sprig_test_find_row (win, "Read File");
  g_assert_cmpstr (group_title (row), ==, "Built-in Tools");
  g_assert_nonnull (strstr (subtitle (row), "Reads files you choose"));
  g_assert_true (gtk_switch_get_active (row_switch (row)));

  /* a built-in goes off and on without a question */
  gtk_switch_set_active (row_switch (sprig_test_find_row (win, "Clock")), FALSE);
  g_assert_false (sprig_tool_settings_get_plugin_enabled (settings, "clock"));
  g_assert_null (sprig_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  sprig_tool_settings_set_plugin_enabled (settings, "clock", TRUE);
  g_assert_true (gtk_switch_get_active (row_switch (sprig_test_find_row (win, "Clock"))));

  /* the user's plugins, listed from their key files, off */
  row = sprig_test_find_row (win, "Word Count");
  g_assert_cmpstr (group_title (row), ==, "Plugins");
  g_assert_nonnull (strstr (subtitle (row), "Counts the words"));
  g_assert_nonnull (sprig_test_find (row, is_label_equal, "Read-only"));
  g_assert_false (gtk_switch_get_active (row_switch (row)));
  row = sprig_test_find_row (win, "Web Fetch &amp; &lt;Save&gt;");
  g_assert_cmpstr (group_title (row), ==, "Plugins");
  g_assert_nonnull (sprig_test_find (row, is_label_equal, "Web Fetch & <Save>"));
  g_assert_nonnull (strstr (subtitle (row), "Uses the network"));
  g_assert_nonnull (strstr (subtitle (row), "Writes files"));
  g_assert_null (sprig_test_find (row, is_label_equal, "Read-only"));
  /* the broken one, with the reader's message */
  row = sprig_test_find_row (win, "A Plugin File Has an Error");
  g_assert_nonnull (row);
  g_assert_cmpstr (group_title (row), ==, "Plugins");
  g_assert_nonnull (strstr (subtitle (row), "broken.plugin"));
  g_assert_nonnull (strstr (subtitle (row), "Module"));
  g_assert_null (sprig_test_find_label_containing (win, "No plugins installed"));
  /* the limits */
  g_settings_set_int (settings, "tool-timeout", 45);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (
    sprig_test_find_type (sprig_test_find_row (win, "Time Limit"), GTK_TYPE_SPIN_BUTTON))), ==, 45);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (
    sprig_test_find_type (sprig_test_find_row (win, "Rounds per Message"), GTK_TYPE_SPIN_BUTTON)), 3);
  g_assert_cmpint (g_settings_get_int (settings, "tool-max-rounds"), ==, 3);
  g_settings_reset (settings, "tool-timeout");
  g_settings_reset (settings, "tool-max-rounds");
  gtk_switch_set_active (row_switch (sprig_test_find_row (win, "Run Read-Only Built-in Tools Without Asking")),
                         TRUE);
  g_assert_true (g_settings_get_boolean (settings, "run-read-only-tools"));
  g_settings_reset (settings, "run-read-only-tools");

  sprig_test_screenshot (win, "preferences-tools");
}

static void
test_plugin_needs_dialog (void)
{
  GtkWidget *row = sprig_test_find_row (prefs (), "Web Fetch &amp; &lt;Save&gt;");
  g_autofree char *module = g_build_filename (user_dir, "web-fetch.so", NULL);
  AdwMessageDialog *dialog;

  /* turning it on asks first, and nothing is on meanwhile */
  gtk_switch_set_active (row_switch (row), TRUE);
  dialog = wait_for_dialog ("the plugin's dialog");
  g_assert_false (gtk_switch_get_active (row_switch (row)));
  g_assert_false (sprig_tool_settings_get_plugin_enabled (settings, "web-fetch"));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Turn On “Web Fetch & <Save>”?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "separate process"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "your permissions"));
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  g_assert_cmpstr (adw_message_dialog_get_close_response (dialog), ==, "cancel");
  g_assert_nonnull (sprig_test_find (GTK_WIDGET (dialog), is_label_equal, module));
  g_assert_nonnull (sprig_test_find_label_containing (GTK_WIDGET (dialog), "Fetches pages"));
  g_assert_nonnull (sprig_test_find_label_containing (GTK_WIDGET (dialog), "Uses the network"));
  g_assert_nonnull (sprig_test_find_label_containing (GTK_WIDGET (dialog), "Writes files"));
  g_assert_nonnull (sprig_test_find_label_containing (GTK_WIDGET (dialog), "Not read-only"));
  sprig_test_screenshot (GTK_WIDGET (dialog), "preferences-tools-plugin-dialog");

  respond (dialog, "cancel");
  g_assert_false (gtk_switch_get_active (row_switch (row)));
  g_assert_false (sprig_tool_settings_get_plugin_enabled (settings, "web-fetch"));

  /* again, and Turn On */
  gtk_switch_set_active (row_switch (row), TRUE);
  dialog = wait_for_dialog ("the plugin's dialog again");
  respond (dialog, "turn-on");
  g_assert_true (sprig_tool_settings_get_plugin_enabled (settings, "web-fetch"));
  g_assert_true (gtk_switch_get_active (row_switch (row)));

  /* off needs no question */
  gtk_switch_set_active (row_switch (row), FALSE);
  g_assert_null (sprig_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_false (sprig_tool_settings_get_plugin_enabled (settings, "web-fetch"));
}

static void
test_empty_folder (void)
{
  GtkWidget *line;

  list_from (empty_dir);
  g_assert_null (sprig_test_find_row (prefs (), "Word Count"));
  g_assert_nonnull (sprig_test_find_row (prefs (), "Calculator"));
  line = sprig_test_find_label_containing (prefs (), "No plugins installed");
  g_assert_nonnull (line);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (line)), empty_dir));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (line)), "Writing a tool plugin"));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (line)), "href="));
  sprig_test_screenshot (line, "preferences-tools-empty");
  list_from (user_dir);
  g_assert_null (sprig_test_find_label_containing (prefs (), "No plugins installed"));
}

static GtkEditable *
entry (AdwMessageDialog *dialog,
       const char       *title)
{
  return GTK_EDITABLE (sprig_test_find_row (GTK_WIDGET (dialog), title));
}

static AdwMessageDialog *
open_add_dialog (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (tools_page ()), "tools.add-server",
                                             NULL));
  return wait_for_dialog ("the Add MCP Server dialog");
}

static SprigMcpServerSpec *
find_server (const char *name)
{
  g_autoptr(GPtrArray) servers = sprig_tool_settings_get_servers (settings);

  for (guint i = 0; i < servers->len; i++)
    {
      SprigMcpServerSpec *spec = servers->pdata[i];

      if (g_str_equal (spec->name, name))
        return sprig_mcp_server_spec_new (spec->name, (const char *const *) spec->argv,
                                          spec->enabled);
    }
  return NULL;
}

static void
scroll_to_end (void)
{
  GtkScrolledWindow *scrolled = GTK_SCROLLED_WINDOW (
    sprig_test_find_type (GTK_WIDGET (tools_page ()), GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scrolled);

  sprig_test_spin (100);
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
}

static void
test_add_server (void)
{
  static const char *const argv[] = { "npx", "-y", "@mcp/server fs", "/home/me/My Docs", "",
                                      NULL };
  AdwMessageDialog *dialog = open_add_dialog ();
  g_autoptr(SprigMcpServerSpec) spec = NULL;
  g_autofree char *command = NULL;
  GtkWidget *row, *error;

  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "add"));
  gtk_editable_set_text (entry (dialog, "_Name"), "Files");
  gtk_editable_set_text (entry (dialog, "_Command"), "npx -y '@mcp/server fs");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "add"));
  error = sprig_test_find_label_containing (GTK_WIDGET (dialog), "The command cannot be read");
  g_assert_nonnull (error);
  g_assert_true (gtk_widget_get_visible (error));
  gtk_editable_set_text (entry (dialog, "_Command"),
                         "npx -y '@mcp/server fs' /home/me/My\\ Docs \"\"");
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "add"));
  g_assert_false (gtk_widget_get_visible (error));
  sprig_test_screenshot (GTK_WIDGET (dialog), "preferences-tools-add-server");
  respond (dialog, "add");

  /* listed at once, off and not approved, and the consent step shows every argument */
  spec = find_server ("Files");
  g_assert_nonnull (spec);
  g_assert_true (g_strv_equal ((const char *const *) spec->argv, argv));
  g_assert_false (spec->enabled);
  g_assert_false (sprig_tool_settings_server_is_approved (settings, spec));
  dialog = wait_for_dialog ("the consent step");
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Start This Program?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "your permissions"));
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  for (guint i = 0; argv[i][0] != '\0'; i++)
    g_assert_nonnull (sprig_test_find (GTK_WIDGET (dialog), is_label_equal, argv[i]));
  g_assert_nonnull (sprig_test_find (GTK_WIDGET (dialog), is_label_equal, "(empty argument)"));
  sprig_test_screenshot (GTK_WIDGET (dialog), "preferences-tools-consent");
  respond (dialog, "cancel");

  g_clear_pointer (&spec, sprig_mcp_server_spec_free);
  spec = find_server ("Files");
  g_assert_false (spec->enabled);
  g_assert_false (sprig_tool_settings_server_is_approved (settings, spec));
  row = sprig_test_find_row (prefs (), "Files");
  command = sprig_mcp_server_spec_dup_command_line (spec);
  g_assert_cmpstr (subtitle (row), ==, command);
  g_assert_cmpstr (command, ==, "npx -y '@mcp/server fs' '/home/me/My Docs' ''");
  g_assert_false (gtk_switch_get_active (row_switch (row)));

  /* a second server may not take the name */
  dialog = open_add_dialog ();
  gtk_editable_set_text (entry (dialog, "_Name"), " Files ");
  gtk_editable_set_text (entry (dialog, "_Command"), "other");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "add"));
  g_assert_nonnull (sprig_test_find_label_containing (GTK_WIDGET (dialog), "already a server named “Files”"));
  respond (dialog, "cancel");

  /* the switch asks again; only Allow approves and turns it on */
  gtk_switch_set_active (row_switch (row), TRUE);
  dialog = wait_for_dialog ("the consent step for the switch");
  g_assert_false (gtk_switch_get_active (row_switch (row)));
  respond (dialog, "allow");
  g_clear_pointer (&spec, sprig_mcp_server_spec_free);
  spec = find_server ("Files");
  g_assert_true (spec->enabled);
  g_assert_true (sprig_tool_settings_server_is_approved (settings, spec));
  row = sprig_test_find_row (prefs (), "Files");
  g_assert_true (gtk_switch_get_active (row_switch (row)));
  scroll_to_end ();
  sprig_test_screenshot (row, "preferences-tools-servers");
  /* and at the narrowest width the app supports */
  gtk_window_set_default_size (GTK_WINDOW (prefs ()), 360, 700);
  sprig_test_spin (200);
  scroll_to_end ();
  sprig_test_screenshot (row, "preferences-tools-narrow");
  gtk_window_set_default_size (GTK_WINDOW (prefs ()), 620, 700);
}

static void
test_changed_command (void)
{
  g_autoptr(SprigMcpServerSpec) old = find_server ("Files");
  g_autoptr(SprigMcpServerSpec) edited = NULL;
  g_autoptr(GPtrArray) servers = NULL;
  SprigMcpServerSpec *first;
  AdwMessageDialog *dialog;
  GtkWidget *row, *undo;

  /* edited behind our back (dconf): still on, but its new command is not approved */
  servers = sprig_tool_settings_get_servers (settings);
  first = servers->pdata[0];
  g_free (first->argv[3]);
  first->argv[3] = g_strdup ("/");
  sprig_tool_settings_set_servers (settings, servers);
  edited = find_server ("Files");
  g_assert_true (edited->enabled);
  g_assert_false (sprig_tool_settings_server_is_approved (settings, edited));
  row = sprig_test_find_row (prefs (), "Files");
  g_assert_nonnull (strstr (subtitle (row), " / "));
  g_assert_false (gtk_switch_get_active (row_switch (row)));
  /* back as it was: approved and on */
  g_ptr_array_set_size (servers, 0);
  g_ptr_array_add (servers, sprig_mcp_server_spec_new (old->name, (const char *const *) old->argv,
                                                       TRUE));
  sprig_tool_settings_set_servers (settings, servers);
  row = sprig_test_find_row (prefs (), "Files");
  g_assert_true (gtk_switch_get_active (row_switch (row)));

  /* editing is remove + add: removing withdraws the approval, Undo brings both back */
  g_signal_emit_by_name (remove_button (row), "clicked");
  g_assert_null (sprig_test_find_row (prefs (), "Files"));
  g_assert_nonnull (sprig_test_find_label_containing (prefs (), "No servers added"));
  g_assert_false (sprig_tool_settings_server_is_approved (settings, old));
  undo = sprig_test_find (prefs (), is_button_labelled, "_Undo");
  g_assert_nonnull (undo);
  g_signal_emit_by_name (undo, "clicked");
  row = sprig_test_find_row (prefs (), "Files");
  g_assert_nonnull (row);
  g_assert_true (sprig_tool_settings_server_is_approved (settings, old));
  g_assert_true (gtk_switch_get_active (row_switch (row)));

  /* removed for good, then added with one argument changed: asks, Cancel leaves it off */
  g_signal_emit_by_name (remove_button (row), "clicked");
  dialog = open_add_dialog ();
  gtk_editable_set_text (entry (dialog, "_Name"), "Files");
  gtk_editable_set_text (entry (dialog, "_Command"),
                         "npx -y '@mcp/server fs' /home/me/My\\ Docs \"\" --write");
  respond (dialog, "add");
  dialog = wait_for_dialog ("the consent step for the edited command");
  g_assert_nonnull (sprig_test_find (GTK_WIDGET (dialog), is_label_equal, "--write"));
  respond (dialog, "cancel");
  g_clear_pointer (&edited, sprig_mcp_server_spec_free);
  edited = find_server ("Files");
  g_assert_cmpstr (edited->argv[5], ==, "--write");
  g_assert_false (edited->enabled);
  g_assert_false (sprig_tool_settings_server_is_approved (settings, edited));
  g_assert_false (gtk_switch_get_active (row_switch (sprig_test_find_row (prefs (), "Files"))));
}


/* "Show Tools" starts an approved server once and lists what it offers; an unapproved
 * one asks first; one that cannot start says why. */
static void
test_show_server_tools (void)
{
  const char *probe_argv[] = { g_getenv ("PYTHON3"), g_getenv ("SPRIG_TEST_MCP_SERVER"), NULL };
  const char *broken_argv[] = { "/nonexistent/mcp-server", NULL };
  g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_mcp_server_spec_free);
  g_autoptr(SprigMcpServerSpec) probe = sprig_mcp_server_spec_new ("Probe", probe_argv, FALSE);
  g_autoptr(SprigMcpServerSpec) broken = sprig_mcp_server_spec_new ("Broken", broken_argv, FALSE);
  AdwMessageDialog *dialog;
  GtkWidget *show;

  g_assert_nonnull (probe_argv[0]);
  g_assert_nonnull (probe_argv[1]);
  g_ptr_array_add (servers, sprig_mcp_server_spec_new ("Probe", probe_argv, FALSE));
  g_ptr_array_add (servers, sprig_mcp_server_spec_new ("Broken", broken_argv, FALSE));
  sprig_tool_settings_set_servers (settings, servers);

  /* not approved: starting it for a look needs the same consent */
  show = sprig_test_find (sprig_test_find_row (prefs (), "Probe"), has_css_class, "sprig-show-tools");
  g_assert_nonnull (show);
  g_signal_emit_by_name (show, "clicked");
  dialog = wait_for_dialog ("the consent step before a look");
  respond (dialog, "cancel");
  g_assert_false (sprig_tool_settings_server_is_approved (settings, probe));

  sprig_tool_settings_set_server_approved (settings, probe, TRUE);
  show = sprig_test_find (sprig_test_find_row (prefs (), "Probe"), has_css_class, "sprig-show-tools");
  g_signal_emit_by_name (show, "clicked");
  dialog = wait_for_dialog ("the server's tools");
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Tools of “Probe”");
  g_test_message ("%s", adw_message_dialog_get_body (dialog));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "Speaks MCP 2025-11-25"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "• echo — Echo (says it only reads)"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "• fail — Fails"));
  sprig_test_screenshot (GTK_WIDGET (dialog), "preferences-tools-server-tools");
  respond (dialog, "close");
  /* a look is not turning it on */
  g_assert_false (gtk_switch_get_active (row_switch (sprig_test_find_row (prefs (), "Probe"))));

  sprig_tool_settings_set_server_approved (settings, broken, TRUE);
  show = sprig_test_find (sprig_test_find_row (prefs (), "Broken"), has_css_class, "sprig-show-tools");
  g_signal_emit_by_name (show, "clicked");
  dialog = wait_for_dialog ("the reason it did not start");
  g_test_message ("%s", adw_message_dialog_get_body (dialog));
  g_assert_true (g_str_has_prefix (adw_message_dialog_get_body (dialog),
                                   "The server could not be started: "));
  respond (dialog, "close");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  int ret;

  tmpdir = g_dir_make_tmp ("sprig-tools-prefs-XXXXXX", &error);
  g_assert_no_error (error);
  data_home = g_build_filename (tmpdir, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  user_dir = g_build_filename (data_home, "sprig", "tools", NULL);
  builtin_dir = g_build_filename (tmpdir, "builtin", NULL);
  empty_dir = g_build_filename (tmpdir, "no plugins here", NULL);
  g_assert_cmpint (g_mkdir_with_parents (user_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (builtin_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (empty_dir, 0755), ==, 0);
  copy_builtin ("calculator");
  copy_builtin ("clock");
  /* no modules next to them: listing must not need (or load) any */
  write_key_file (user_dir, "word-count.plugin",
                  "[Sprig Tool]\nName=Word Count\nDescription=Counts the words of a text.\n"
                  "Module=word-count.so\nReadOnly=true\nPermissions=\n");
  write_key_file (user_dir, "web-fetch.plugin",
                  "[Sprig Tool]\nName=Web Fetch & <Save>\n"
                  "Description=Fetches pages and saves them.\nModule=web-fetch\n"
                  "Permissions=network;files-write;\n");
  write_key_file (user_dir, "broken.plugin",
                  "[Sprig Tool]\nName=Broken\nDescription=Has no module.\n");

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  settings = g_settings_new (APP_ID);
  the_app = sprig_application_new (APP_ID);
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  /* In order: each test goes on from the state the one before left. */
  g_test_add_func ("/sprig/app/tools-prefs/lists-tools", test_lists_tools);
  g_test_add_func ("/sprig/app/tools-prefs/plugin-needs-dialog", test_plugin_needs_dialog);
  g_test_add_func ("/sprig/app/tools-prefs/empty-folder", test_empty_folder);
  g_test_add_func ("/sprig/app/tools-prefs/add-server", test_add_server);
  g_test_add_func ("/sprig/app/tools-prefs/changed-command", test_changed_command);
  g_test_add_func ("/sprig/app/tools-prefs/show-server-tools", test_show_server_tools);
  ret = g_test_run ();

  sprig_test_destroy_windows (GTK_APPLICATION (the_app));
  g_clear_object (&the_app);
  g_clear_object (&settings);
  sprig_test_spin (100);
  sprig_test_remove_tree (tmpdir);
  g_free (tmpdir);
  g_free (user_dir);
  g_free (builtin_dir);
  g_free (empty_dir);
  return ret;
}
