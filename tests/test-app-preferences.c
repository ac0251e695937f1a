/* SPDX-License-Identifier: Apache-2.0
 *
 * Preferences, the model picker and the Chat Settings dialog under Xvfb, with tiny
 * models made by `sprig-cli mkmodel`: Ctrl+comma opens Preferences; the color scheme
 * reaches AdwStyleManager; threads, context length and backend are written to GSettings
 * and the open model is reloaded with them; a backend that cannot run falls back with a
 * warning shown to the user; the picker lists a model dropped into the models folder and
 * loads it; the dialog saves a conversation's prompt and sampling into the store.
 * Screenshots of Preferences and the dialog go to tests/screenshots/ in the build folder.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sprig-application.h"
#include "sprig-conversation-settings.h"
#include "sprig-model-picker.h"
#include "sprig-preferences-window.h"
#include "sprig-setting-row.h"
#include "sprig-test-model.h"
#include "sprig-test-ui.h"
#include "sprig-window-private.h"

static SprigApplication *the_app;
static GSettings *settings;
static char *tmpdir;
static char *first_model;    /* outside the models folder */

/* ---- helpers ---- */

static gboolean
toplevel_shown (gpointer type)
{
  return sprig_test_find_toplevel (GPOINTER_TO_SIZE (type)) != NULL;
}

static gboolean
toplevel_gone (gpointer type)
{
  return !toplevel_shown (type);
}

static SprigWindow *
window (void)
{
  return SPRIG_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (the_app)));
}

static gboolean
model_loaded (gpointer path)
{
  SprigWindow *win = window ();

  return win != NULL && win->load_request == 0 && win->reload_source == 0
         && g_strcmp0 (win->model_path, path) == 0;
}

/* Runs the window's shortcut for @keyval + @mods, as a key press would. */
static gboolean
press_shortcut (GtkWidget      *win,
                guint           keyval,
                GdkModifierType mods)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (win);
  g_autoptr(GtkShortcutTrigger) wanted = gtk_keyval_trigger_new (keyval, mods);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), wanted))
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                                 GTK_SHORTCUT_ACTION_EXCLUSIVE, win, NULL);
        }
    }
  return FALSE;
}

static GtkWidget *
open_preferences (void)
{
  GtkWindow *prefs = sprig_test_find_toplevel (SPRIG_TYPE_PREFERENCES_WINDOW);

  if (prefs != NULL)
    return GTK_WIDGET (prefs);
  g_assert_true (press_shortcut (GTK_WIDGET (window ()), GDK_KEY_comma, GDK_CONTROL_MASK));
  sprig_test_wait_for (toplevel_shown, GSIZE_TO_POINTER (SPRIG_TYPE_PREFERENCES_WINDOW),
                       "Preferences");
  return GTK_WIDGET (sprig_test_find_toplevel (SPRIG_TYPE_PREFERENCES_WINDOW));
}

static void
close_preferences (void)
{
  GtkWindow *prefs = sprig_test_find_toplevel (SPRIG_TYPE_PREFERENCES_WINDOW);

  if (prefs != NULL)
    gtk_window_close (prefs);
  sprig_test_wait_for (toplevel_gone, GSIZE_TO_POINTER (SPRIG_TYPE_PREFERENCES_WINDOW),
                       "Preferences to close");
}

/* ---- tests ---- */

static void
test_shortcut_opens (void)
{
  GtkWidget *prefs;
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (the_app),
                                                                 "app.preferences");

  g_application_activate (G_APPLICATION (the_app));
  sprig_test_wait_for (model_loaded, first_model, "the first model");
  g_assert_cmpstr (accels[0], ==, "<Control>comma");
  g_assert_null (sprig_test_find_toplevel (SPRIG_TYPE_PREFERENCES_WINDOW));

  prefs = open_preferences ();
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (prefs)) == GTK_WINDOW (window ()));
  g_assert_nonnull (sprig_test_find_row (prefs, "Processor Threads"));
  g_assert_nonnull (sprig_test_find_row (prefs, "Temperature"));
  g_assert_nonnull (sprig_test_find_row (prefs, "Context Length"));
  sprig_test_screenshot (prefs, "preferences-general");
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "chat");
  sprig_test_screenshot (prefs, "preferences-chat");
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "general");
}

static void
test_color_scheme (void)
{
  GtkWidget *prefs = open_preferences ();
  AdwStyleManager *style = adw_style_manager_get_default ();

  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);
  adw_action_row_activate (ADW_ACTION_ROW (sprig_test_find_row (prefs, "Dark")));
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_cmpint (g_settings_get_enum (settings, "color-scheme"), ==, 2);
  g_assert_true (adw_style_manager_get_dark (style));
  sprig_test_screenshot (prefs, "preferences-dark");

  adw_action_row_activate (ADW_ACTION_ROW (sprig_test_find_row (prefs, "Light")));
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_LIGHT);
  /* and from GSettings to the radio buttons */
  g_settings_set_string (settings, "color-scheme", "dark");
  g_assert_true (gtk_check_button_get_active (
    GTK_CHECK_BUTTON (sprig_test_find_type (sprig_test_find_row (prefs, "Dark"), GTK_TYPE_CHECK_BUTTON))));
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_DARK);
  adw_action_row_activate (ADW_ACTION_ROW (sprig_test_find_row (prefs, "Follow System Style")));
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
backends_probed (gpointer prefs)
{
  GtkWidget *row = sprig_test_find_row (prefs, "Processor (CPU)");

  return g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Checking…") != 0;
}

static gboolean
runs_with_threads (gpointer text)
{
  const char *description = _sprig_window_get_backend_description (window ());

  return model_loaded (first_model) && description != NULL && strstr (description, text) != NULL;
}

static gboolean
loaded_with_context (gpointer n_ctx)
{
  return model_loaded (first_model) && window ()->n_ctx == GPOINTER_TO_UINT (n_ctx);
}

static void
test_threads_backend_context (void)
{
  GtkWidget *prefs = open_preferences ();
  GtkWidget *cpu_row = sprig_test_find_row (prefs, "Processor (CPU)");
  GtkWidget *vulkan_row = sprig_test_find_row (prefs, "Graphics Card (Vulkan)");
  GtkWidget *threads = sprig_test_find_type (sprig_test_find_row (prefs, "Processor Threads"),
                                             GTK_TYPE_SPIN_BUTTON);
  GtkWidget *context = sprig_test_find_type (sprig_test_find_row (prefs, "Context Length"),
                                             GTK_TYPE_SPIN_BUTTON);

  /* the probe ran: the CPU plugin can run here, Vulkan may not pick a device */
  sprig_test_wait_for (backends_probed, prefs, "the backend probe");
  g_test_message ("cpu: %s", adw_action_row_get_subtitle (ADW_ACTION_ROW (cpu_row)));
  g_test_message ("vulkan: %s", adw_action_row_get_subtitle (ADW_ACTION_ROW (vulkan_row)));
  g_assert_true (gtk_widget_get_sensitive (cpu_row));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (cpu_row)), "cpu"));
  g_assert_false (gtk_widget_get_sensitive (vulkan_row));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (vulkan_row)),
                            g_getenv ("SPRIG_TEST_HAVE_VULKAN") ? "SPRIG_VULKAN_DEVICE"
                                                                : "Not installed"));

  adw_action_row_activate (ADW_ACTION_ROW (cpu_row));
  g_assert_cmpstr (g_settings_get_string (settings, "backend"), ==, "cpu");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (threads), 3);
  g_assert_cmpint (g_settings_get_int (settings, "threads"), ==, 3);
  /* one reload with both changes, on the CPU plugin with 3 threads */
  sprig_test_wait_for (runs_with_threads, (gpointer) "3 threads", "a reload with 3 threads");
  g_assert_cmpstr (_sprig_window_get_backend (window ()), ==, "cpu");
  g_assert_null (_sprig_window_get_backend_warning (window ()));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (context), 2048);
  g_assert_cmpint (g_settings_get_int (settings, "context-length"), ==, 2048);
  sprig_test_wait_for (loaded_with_context, GUINT_TO_POINTER (2048), "a reload with n_ctx 2048");
  close_preferences ();
}

static gboolean
has_backend_warning (gpointer data)
{
  return model_loaded (first_model) && _sprig_window_get_backend_warning (window ()) != NULL;
}

static void
test_backend_warning (void)
{
  SprigWindow *win = window ();
  const char *warning;
  GtkWidget *toast;
  GtkWindow *details;

  /* Chosen before (or on another computer); now Vulkan finds no device it may use. */
  g_settings_set_string (settings, "backend", "vulkan");
  sprig_test_wait_for (has_backend_warning, NULL, "the fallback from Vulkan");
  warning = _sprig_window_get_backend_warning (win);
  g_test_message ("%s", warning);
  g_assert_nonnull (strstr (warning, "vulkan"));
  g_assert_nonnull (strstr (warning, "runs on the cpu backend"));
  g_assert_null (strstr (warning, first_model));  /* the engine's file prefix is dropped */
  g_assert_cmpstr (_sprig_window_get_backend (win), ==, "cpu");
  /* the user is told, in a toast, and the reason is one click away */
  toast = sprig_test_find_label_containing (GTK_WIDGET (win), "Could not use the preferred backend");
  g_assert_nonnull (toast);
  g_assert_true (gtk_widget_get_mapped (toast));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backend-details", NULL));
  sprig_test_wait_for (toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), "the details");
  details = sprig_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG);
  g_assert_cmpstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (details)), ==, warning);
  sprig_test_screenshot (GTK_WIDGET (details), "backend-warning-details");
  gtk_window_close (details);
  sprig_test_screenshot (GTK_WIDGET (win), "backend-warning");

  g_settings_set_string (settings, "backend", "auto");
  sprig_test_wait_for (model_loaded, first_model, "the reload with the automatic backend");
  g_assert_null (_sprig_window_get_backend_warning (win));
}

static gboolean
menu_lists (gpointer path)
{
  SprigModelPicker *picker = window ()->model_picker;
  g_autoptr(GMenuModel) section = g_menu_model_get_item_link (
    sprig_model_picker_get_menu_model (picker), 0, G_MENU_LINK_SECTION);

  for (int i = 0; i < g_menu_model_get_n_items (section); i++)
    {
      g_autoptr(GVariant) target = g_menu_model_get_item_attribute_value (
        section, i, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE_STRING);

      if (g_strcmp0 (g_variant_get_string (target, NULL), path) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
menu_lacks (gpointer path)
{
  return !menu_lists (path);
}

static void
test_model_picker (void)
{
  SprigWindow *win = window ();
  SprigModelPicker *picker = win->model_picker;
  g_autofree char *folder = g_build_filename (tmpdir, "data", "sprig", "models", NULL);
  const char *args[] = { "--shape", "tiny", NULL };
  g_autofree char *picked = NULL;
  g_autofree char *renamed = g_build_filename (folder, "renamed.gguf", NULL);
  g_autofree char *notes = g_build_filename (folder, "notes.txt", NULL);
  GMenuModel *menu = sprig_model_picker_get_menu_model (picker);
  g_autoptr(GMenuModel) open_section = g_menu_model_get_item_link (menu, 1, G_MENU_LINK_SECTION);
  g_autofree char *open_action = NULL;

  /* the remembered model lives elsewhere: listed, and current */
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_DIR));  /* the picker made it */
  g_assert_true (menu_lists (first_model));
  g_assert_cmpstr (sprig_model_picker_get_current (picker), ==, first_model);
  g_assert_true (g_menu_model_get_item_attribute (open_section, 0, G_MENU_ATTRIBUTE_ACTION, "s",
                                                  &open_action));
  g_assert_cmpstr (open_action, ==, "win.open-model");
  g_assert_nonnull (sprig_test_find_label_containing (GTK_WIDGET (picker), "tiny"));

  /* the welcome page says where models go, and that they stay on this computer */
  gtk_stack_set_visible_child_name (win->main_stack, "no-model");
  g_assert_nonnull (strstr (adw_status_page_get_description (win->empty_page), folder));
  g_assert_nonnull (strstr (adw_status_page_get_description (win->empty_page),
                            "Everything stays on this computer"));
  sprig_test_screenshot (GTK_WIDGET (win), "welcome");
  gtk_stack_set_visible_child_name (win->main_stack, "chat");

  /* a model dropped into the folder appears */
  picked = sprig_test_make_model (folder, "picked.gguf", args);
  g_assert_true (g_file_set_contents (notes, "x", 1, NULL));
  sprig_test_wait_for (menu_lists, picked, "the new model in the picker");
  g_assert_false (menu_lists (notes));

  /* choosing it loads it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (picker), "picker.model", "s", picked));
  sprig_test_wait_for (model_loaded, picked, "the picked model");
  g_assert_cmpstr (sprig_model_picker_get_current (picker), ==, picked);
  g_assert_cmpstr (g_settings_get_string (settings, "model-path"), ==, picked);
  g_assert_nonnull (sprig_test_find_label_containing (GTK_WIDGET (picker), "picked"));
  /* the old one is neither current nor in the folder any more */
  g_assert_false (menu_lists (first_model));

  /* renames are followed */
  g_assert_cmpint (g_rename (picked, renamed), ==, 0);
  sprig_test_wait_for (menu_lists, renamed, "the renamed model");
  g_assert_true (menu_lists (picked));  /* still current */
  g_assert_cmpint (g_rename (renamed, picked), ==, 0);
  sprig_test_wait_for (menu_lacks, renamed, "the model renamed back");

  /* back to the first model for the tests after this one */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (picker), "picker.model", "s",
                                             first_model));
  sprig_test_wait_for (model_loaded, first_model, "the first model again");
}

static gint64
create_conversation (SprigStore *store)
{
  g_autoptr(SprigConversation) conv = sprig_conversation_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) done = NULL;
  GAsyncResult *result = NULL;
  gint64 id;

  conv->title = g_strdup ("Settings test");
  sprig_store_create_conversation_async (store, conv, NULL, sprig_test_result_cb, &result);
  done = sprig_test_await_result (&result);
  id = sprig_store_create_conversation_finish (store, done, &error);
  g_assert_no_error (error);
  return id;
}

static GtkWidget *
dialog_row (GtkWidget  *dialog,
            const char *json_key)
{
  GtkWidget *group = gtk_widget_get_ancestor (sprig_test_find_row (dialog, "Temperature"),
                                              ADW_TYPE_PREFERENCES_GROUP);
  g_autoptr(GPtrArray) rows = sprig_setting_rows_find (ADW_PREFERENCES_GROUP (group));

  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (sprig_setting_row_get_key (rows->pdata[i])->json_key, json_key))
      return rows->pdata[i];
  g_assert_not_reached ();
}

static GtkWidget *
open_chat_settings (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.chat-settings", NULL));
  sprig_test_wait_for (toplevel_shown, GSIZE_TO_POINTER (SPRIG_TYPE_CONVERSATION_SETTINGS),
            "the Chat Settings dialog");
  return GTK_WIDGET (sprig_test_find_toplevel (SPRIG_TYPE_CONVERSATION_SETTINGS));
}

static void
close_dialog (GtkWidget  *dialog,
              const char *action)
{
  g_assert_true (gtk_widget_activate_action (dialog, action, NULL));
  sprig_test_wait_for (toplevel_gone, GSIZE_TO_POINTER (SPRIG_TYPE_CONVERSATION_SETTINGS),
            "the dialog to close");
}

static char *
prompt_text (GtkWidget *dialog)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (
    GTK_TEXT_VIEW (sprig_test_find_type (dialog, GTK_TYPE_TEXT_VIEW)));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

typedef struct
{
  gint64 id;
  const char *json;
  const char *prompt;
} Stored;

static gboolean
stored_as (gpointer data)
{
  Stored *want = data;
  g_autoptr(SprigConversation) conv =
    sprig_store_get_conversation_sync (sprig_window_get_store (window ()), want->id, NULL);

  return conv != NULL && g_strcmp0 (conv->sampling_json, want->json) == 0
         && g_strcmp0 (conv->system_prompt, want->prompt) == 0;
}

static void
test_chat_settings_dialog (void)
{
  SprigWindow *win = window ();
  gint64 id = create_conversation (sprig_window_get_store (win));
  Stored saved = { id, "{\"temperature\":1.1,\"top_k\":5,\"seed\":42}", "You are a pirate." };
  Stored reset = { id, NULL, NULL };
  GtkWidget *dialog;
  g_autofree char *prompt = NULL;

  g_settings_set_string (settings, "system-prompt", "Default prompt.");
  sprig_chat_set_conversation (sprig_window_get_chat (win), id);
  dialog = open_chat_settings ();
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  prompt = prompt_text (dialog);
  g_assert_cmpstr (prompt, ==, "Default prompt.");
  g_assert_cmpfloat (sprig_setting_row_get_value (dialog_row (dialog, "temperature")), ==, 0.6);
  /* the tiny model has no Qwen3 template: no thinking switch to flip */
  g_assert_false (gtk_widget_get_sensitive (dialog_row (dialog, "enable_thinking")));
  /* nor a tool-call format: the Tools switch says so instead of pretending */
  g_assert_false (gtk_widget_get_sensitive (dialog_row (dialog, "tools")));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (dialog_row (dialog, "tools"))), ==,
                   "The model open now has no tool-call format");

  sprig_setting_row_set_value (dialog_row (dialog, "temperature"), 1.1);
  sprig_setting_row_set_value (dialog_row (dialog, "top_k"), 5);
  sprig_setting_row_set_value (dialog_row (dialog, "seed"), 42);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (
    GTK_TEXT_VIEW (sprig_test_find_type (dialog, GTK_TYPE_TEXT_VIEW))), "You are a pirate.", -1);
  sprig_test_screenshot (dialog, "chat-settings");
  close_dialog (dialog, "settings.save");
  sprig_test_wait_for (stored_as, &saved, "the settings in the store");

  /* shown again as saved; Cancel keeps the store as it is */
  dialog = open_chat_settings ();
  g_assert_cmpfloat (sprig_setting_row_get_value (dialog_row (dialog, "temperature")), ==, 1.1);
  g_assert_cmpfloat (sprig_setting_row_get_value (dialog_row (dialog, "seed")), ==, 42);
  g_clear_pointer (&prompt, g_free);
  prompt = prompt_text (dialog);
  g_assert_cmpstr (prompt, ==, "You are a pirate.");
  sprig_setting_row_set_value (dialog_row (dialog, "temperature"), 0.2);
  close_dialog (dialog, "window.close");
  sprig_test_spin (300);
  g_assert_true (stored_as (&saved));

  /* Reset to Defaults empties both */
  dialog = open_chat_settings ();
  g_assert_true (gtk_widget_activate_action (dialog, "settings.reset", NULL));
  g_assert_cmpfloat (sprig_setting_row_get_value (dialog_row (dialog, "temperature")), ==, 0.6);
  close_dialog (dialog, "settings.save");
  sprig_test_wait_for (stored_as, &reset, "the settings reset in the store");
  g_settings_reset (settings, "system-prompt");
}

static gboolean
chat_idle (gpointer chat)
{
  return !sprig_chat_get_generating (chat) && sprig_chat_get_conversation_id (chat) > 0;
}

/* A new chat's settings apply to its first turn and are stored with the conversation
 * that turn creates. */
static void
test_new_chat_settings (void)
{
  SprigWindow *win = window ();
  SprigChat *chat = sprig_window_get_chat (win);
  g_auto(SprigChatSettings) effective = { 0 };
  GtkWidget *dialog;
  Stored want = { 0, "{\"top_p\":0.5}", NULL };

  gtk_widget_activate_action (GTK_WIDGET (win), "win.new-chat", NULL);
  sprig_test_spin (100);
  g_assert_cmpint (sprig_chat_get_conversation_id (chat), ==, 0);
  dialog = open_chat_settings ();
  sprig_setting_row_set_value (dialog_row (dialog, "top_p"), 0.5);
  close_dialog (dialog, "settings.save");
  sprig_chat_get_effective_settings (chat, &effective);
  g_assert_cmpfloat (effective.top_p, ==, 0.5);

  sprig_chat_set_max_tokens (chat, 4);
  sprig_chat_send (chat, "Hello");
  sprig_test_wait_for (chat_idle, chat, "the first turn");
  want.id = sprig_chat_get_conversation_id (chat);
  sprig_test_wait_for (stored_as, &want, "the new chat's settings in the store");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  const char *args[] = { "--shape", "tiny", NULL };
  int ret;

  /* A data folder of our own, set before GLib reads it: the store and models live there. */
  tmpdir = g_dir_make_tmp ("sprig-app-prefs-XXXXXX", &error);
  g_assert_no_error (error);
  data_home = g_build_filename (tmpdir, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  /* Vulkan may not use any device here, whatever the machine has. */
  g_setenv ("SPRIG_VULKAN_DEVICE", "no-such-device-for-the-test", TRUE);
  g_unsetenv ("SPRIG_VULKAN_ALLOW_CPU");
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  first_model = sprig_test_make_model (tmpdir, "tiny.gguf", args);
  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "model-path", first_model);

  the_app = sprig_application_new (APP_ID);
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  /* In order: each test goes on from the state the one before left. */
  g_test_add_func ("/sprig/app/preferences/shortcut-opens", test_shortcut_opens);
  g_test_add_func ("/sprig/app/preferences/color-scheme", test_color_scheme);
  g_test_add_func ("/sprig/app/preferences/threads-backend-context", test_threads_backend_context);
  g_test_add_func ("/sprig/app/preferences/backend-warning", test_backend_warning);
  g_test_add_func ("/sprig/app/preferences/model-picker", test_model_picker);
  g_test_add_func ("/sprig/app/preferences/chat-settings-dialog", test_chat_settings_dialog);
  g_test_add_func ("/sprig/app/preferences/new-chat-settings", test_new_chat_settings);
  ret = g_test_run ();

  sprig_test_destroy_windows (GTK_APPLICATION (the_app));
  g_clear_object (&the_app);
  g_clear_object (&settings);
  sprig_test_spin (100);
  g_free (first_model);
  sprig_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return ret;
}
