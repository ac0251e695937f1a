/* SPDX-License-Identifier: Apache-2.0
 *
 * Models in the app under Xvfb, with the catalog pointed (SPRIG_CATALOG_PATH) at a
 * SoupServer on 127.0.0.1 in this program serving a tiny model made by sprig-cli: the
 * first run offers the recommended download on the welcome page, which downloads with
 * visible progress, pauses, resumes from where it stopped, installs, loads, and chats;
 * the Models window lists it, downloads and cancels another, resumes a part file left
 * by an earlier run of the app, refuses an invalid file with the engine's reason, adds a
 * valid one after Copy or Link, and deletes after a confirmation. Screenshots of the
 * welcome page, a download in progress and the Models window go to the build folder.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "models/models-test-server.h"
#include "sprig-application.h"
#include "sprig-catalog-row.h"
#include "sprig-chat-view.h"
#include "sprig-download-progress.h"
#include "sprig-message-item.h"
#include "sprig-models-window.h"
#include "sprig-test-model.h"
#include "sprig-test-ui.h"
#include "sprig-window-private.h"

#define FIRST_FILE  "Test-Tiny.gguf"
#define OTHER_FILE  "Other-Tiny.gguf"

static SprigApplication *the_app;
static char *tmpdir;
static char *models_dir;
static char *model_path;      /* the source model */
static GBytes *model_bytes;
static Server *server;

/* ---- helpers ---- */

static SprigWindow *
window (void)
{
  return SPRIG_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (the_app)));
}

static SprigModelManager *
manager (void)
{
  return _sprig_window_get_models (window ());
}

static gboolean
has_tooltip (GtkWidget     *widget,
             gconstpointer  text)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) == 0;
}

/* The visible button with this tooltip under @root; clicking it fails the test if absent. */
static void
click (GtkWidget  *root,
       const char *tooltip)
{
  GtkWidget *button = sprig_test_find (root, has_tooltip, tooltip);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_visible (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  gtk_widget_activate (button);
}

static gboolean
button_shown (GtkWidget  *root,
              const char *tooltip)
{
  GtkWidget *button = sprig_test_find (root, has_tooltip, tooltip);

  return button != NULL && gtk_widget_is_visible (button);
}

static gboolean
is_catalog_row (GtkWidget     *widget,
                gconstpointer  id)
{
  return SPRIG_IS_CATALOG_ROW (widget)
         && g_strcmp0 (sprig_catalog_row_get_entry_id (SPRIG_CATALOG_ROW (widget)), id) == 0;
}

static gboolean
is_named (GtkWidget     *widget,
          gconstpointer  name)
{
  return g_strcmp0 (gtk_widget_get_name (widget), name) == 0;
}

static gboolean
listed (gpointer data)
{
  return window () != NULL && sprig_model_manager_get_models (manager ()) != NULL;
}

static gboolean
model_loaded (gpointer path)
{
  SprigWindow *win = window ();

  return win->load_request == 0 && g_strcmp0 (win->model_path, path) == 0
         && g_str_equal (gtk_stack_get_visible_child_name (win->main_stack), "chat");
}

typedef struct
{
  const char *id;
  guint64 bytes;
} Progress;

static gboolean
downloaded_bytes (gpointer data)
{
  Progress *p = data;
  SprigDownload *d = sprig_model_manager_get_download (manager (), p->id);

  return d != NULL && sprig_download_get_bytes_done (d) >= p->bytes;
}

static gboolean
no_download (gpointer id)
{
  return sprig_model_manager_get_download (manager (), id) == NULL;
}

static gboolean
download_state_is (gpointer data)
{
  Progress *p = data;  /* bytes holds the state */
  SprigDownload *d = sprig_model_manager_get_download (manager (), p->id);

  return d != NULL && sprig_download_get_state (d) == (SprigDownloadState) p->bytes;
}

static gboolean
installed (gpointer file_name)
{
  return sprig_model_manager_find_model (manager (), file_name) != NULL;
}

static gboolean
not_installed (gpointer file_name)
{
  return !installed (file_name);
}

static gboolean
toplevel_shown (gpointer type)
{
  return sprig_test_find_toplevel (GPOINTER_TO_SIZE (type)) != NULL;
}

static AdwMessageDialog *
wait_dialog (void)
{
  sprig_test_wait_for (toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), "a dialog");
  return ADW_MESSAGE_DIALOG (sprig_test_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
}

static void
answer (AdwMessageDialog *dialog,
        const char       *response)
{
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  sprig_test_spin (50);
}

static char *
in_models (const char *name)
{
  return g_build_filename (models_dir, name, NULL);
}

static GtkWidget *
models_window (void)
{
  GtkWidget *w = GTK_WIDGET (sprig_test_find_toplevel (SPRIG_TYPE_MODELS_WINDOW));

  if (w == NULL)
    {
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.models", NULL));
      sprig_test_wait_for (toplevel_shown, GSIZE_TO_POINTER (SPRIG_TYPE_MODELS_WINDOW),
                           "the Models window");
      w = GTK_WIDGET (sprig_test_find_toplevel (SPRIG_TYPE_MODELS_WINDOW));
    }
  return w;
}

static gboolean
reply_done (gpointer chat)
{
  GListModel *messages = sprig_chat_get_messages (chat);
  guint n = g_list_model_get_n_items (messages);
  g_autoptr(SprigMessageItem) last = n > 0 ? g_list_model_get_item (messages, n - 1) : NULL;

  return !sprig_chat_get_generating (chat) && last != NULL
         && sprig_message_item_get_role (last) == SPRIG_MESSAGE_ROLE_ASSISTANT
         && sprig_message_item_get_content (last)[0] != '\0';
}

static gboolean
is_composer (GtkWidget     *widget,
             gconstpointer  data)
{
  return GTK_IS_TEXT_VIEW (widget) && gtk_widget_has_css_class (widget, "sprig-composer-text");
}

/* ---- tests, in order ---- */

static void
test_first_run (void)
{
  SprigWindow *win;
  g_autofree char *size = g_format_size (g_bytes_get_size (model_bytes));

  g_application_activate (G_APPLICATION (the_app));
  sprig_test_wait_for (listed, NULL, "the first listing");
  win = window ();
  g_assert_cmpstr (gtk_stack_get_visible_child_name (win->main_stack), ==, "no-model");
  g_assert_true (gtk_widget_is_visible (win->welcome_download));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (win->welcome_download)), ==,
                   "_Download Test Tiny");
  g_assert_nonnull (strstr (gtk_label_get_label (win->welcome_details), size));
  g_assert_nonnull (strstr (adw_status_page_get_description (win->empty_page),
                            "Everything stays on this computer"));
  g_assert_nonnull (strstr (adw_status_page_get_description (win->empty_page),
                            "Test Tiny is a good first model"));
  g_assert_false (gtk_widget_get_visible (win->welcome_progress));
  sprig_test_screenshot (GTK_WIDGET (win), "models-first-run");
}

static void
test_first_download (void)
{
  SprigWindow *win = window ();
  guint64 total = g_bytes_get_size (model_bytes);
  Progress stalled = { "test-tiny", total / 2 };
  Progress paused = { "test-tiny", SPRIG_DOWNLOAD_PAUSED };
  g_autofree char *installed_path = in_models (FIRST_FILE);
  g_autofree char *expected_ranges = g_strdup_printf ("-1 %" G_GUINT64_FORMAT, total / 2);
  g_autofree char *ranges = NULL;
  GtkLabel *label;
  GtkWidget *text_view;

  /* The server sends half the file, then nothing: the progress holds still to be seen. */
  server_set (server, MODE_STALL, total / 2, 0, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.download-recommended", NULL));
  sprig_test_wait_for (downloaded_bytes, &stalled, "half the model");
  g_assert_true (gtk_widget_is_visible (win->welcome_progress));
  g_assert_false (gtk_widget_is_visible (win->welcome_download));
  label = sprig_download_progress_get_label (SPRIG_DOWNLOAD_PROGRESS (win->welcome_progress));
  g_assert_nonnull (strstr (gtk_label_get_label (label), " of "));
  sprig_test_screenshot (GTK_WIDGET (win), "models-first-run-download");

  click (win->welcome_progress, "Pause Download");
  sprig_test_wait_for (download_state_is, &paused, "the pause");
  g_assert_true (g_str_has_prefix (gtk_label_get_label (label), "Paused"));
  click (win->welcome_progress, "Resume Download");

  /* Installed, loaded, and the chat is ready. */
  sprig_test_wait_for (model_loaded, installed_path, "the downloaded model to load");
  ranges = server_ranges (server);
  g_assert_cmpstr (ranges, ==, expected_ranges);  /* the resume asked for the second half */
  g_assert_cmpuint (server_bytes_sent (server), ==, total);
  g_assert_cmpstr (sprig_model_picker_get_current (win->model_picker), ==, installed_path);

  text_view = sprig_test_find (GTK_WIDGET (win), is_composer, NULL);
  g_assert_nonnull (text_view);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view)), "Hello", -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win->chat_view), "chat.send", NULL));
  sprig_test_wait_for (reply_done, sprig_window_get_chat (win), "a streamed reply");
}

static void
test_models_window (void)
{
  GtkWidget *models = models_window ();
  GtkWidget *first_row = sprig_test_find (models, is_named, FIRST_FILE);
  GtkWidget *tiny_row = sprig_test_find (models, is_catalog_row, "test-tiny");
  GtkWidget *unsupported_row = sprig_test_find (models, is_catalog_row, "test-unsupported");

  g_assert_nonnull (first_row);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (first_row)),
                            "checksum verified"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (first_row)), "qwen3"));
  g_assert_nonnull (tiny_row);
  g_assert_false (button_shown (tiny_row, "Download Test Tiny"));  /* installed */
  g_assert_nonnull (unsupported_row);
  g_assert_false (button_shown (unsupported_row, "Download Unsupported"));  /* not offered */
  g_assert_true (button_shown (models, "Download Other Tiny"));
  sprig_test_screenshot (models, "models-window");
}

static gboolean
offers_download (gpointer tooltip)
{
  GtkWidget *w = GTK_WIDGET (sprig_test_find_toplevel (SPRIG_TYPE_MODELS_WINDOW));
  GtkWidget *row = w ? sprig_test_find (w, is_catalog_row, "test-other") : NULL;

  return row != NULL && button_shown (row, tooltip);
}

static void
test_cancel (void)
{
  GtkWidget *models = models_window ();
  GtkWidget *row = sprig_test_find (models, is_catalog_row, "test-other");
  guint64 total = g_bytes_get_size (model_bytes);
  Progress stalled = { "test-other", total / 3 };
  g_autofree char *part = in_models (OTHER_FILE ".part");

  server_set (server, MODE_STALL, total / 3, 0, NULL);
  click (row, "Download Other Tiny");
  sprig_test_wait_for (downloaded_bytes, &stalled, "a third of the other model");
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));
  sprig_test_screenshot (models, "models-download");
  click (row, "Cancel Download");
  sprig_test_wait_for (no_download, (gpointer) "test-other", "the cancel");
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  sprig_test_wait_for (offers_download, (gpointer) "Download Other Tiny", "Download again");
}

/* A part file left by an earlier run of the app is offered as Resume and continues from
 * its end. */
static void
test_resume_after_restart (void)
{
  g_autofree char *part = in_models (OTHER_FILE ".part");
  g_autofree char *other = in_models (OTHER_FILE);
  guint64 total = g_bytes_get_size (model_bytes);
  guint64 kept = total / 4;
  g_autofree char *kept_text = g_format_size (kept);
  g_autofree char *tooltip = g_strdup_printf ("Resume downloading Other Tiny (%s downloaded)",
                                              kept_text);
  g_autofree char *ranges = NULL;
  g_autofree char *last = g_strdup_printf (" %" G_GUINT64_FORMAT, kept);

  sprig_test_destroy_windows (GTK_APPLICATION (the_app));
  g_assert_true (g_file_set_contents (part, g_bytes_get_data (model_bytes, NULL), (gssize) kept,
                                      NULL));
  g_application_activate (G_APPLICATION (the_app));
  sprig_test_wait_for (listed, NULL, "the listing after the restart");
  models_window ();
  sprig_test_wait_for (offers_download, tooltip, "Resume for the part file");
  click (sprig_test_find (models_window (), is_catalog_row, "test-other"), tooltip);
  sprig_test_wait_for (installed, (gpointer) OTHER_FILE, "the resumed download");
  ranges = server_ranges (server);
  g_assert_true (g_str_has_suffix (ranges, last));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_EXISTS));
}

static void
test_add_file (void)
{
  g_autofree char *broken = g_build_filename (tmpdir, "broken.gguf", NULL);
  g_autoptr(GFile) broken_file = g_file_new_for_path (broken);
  g_autoptr(GFile) good_file = g_file_new_for_path (model_path);
  AdwMessageDialog *dialog;

  /* Refused, with the engine's reason; nothing enters the folder. */
  g_assert_true (g_file_set_contents (broken, "GGUF\3\0\0\0garbage", 15, NULL));
  _sprig_window_add_model_file (window (), broken_file);
  dialog = wait_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Cannot Add Model");
  g_test_message ("refused: %s", adw_message_dialog_get_body (dialog));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog),
                            "“broken.gguf” is not a model Sprig can use"));
  answer (dialog, "close");
  g_assert_false (installed ((gpointer) "broken.gguf"));

  /* Accepted: Copy or Link is asked, then it is copied in. */
  _sprig_window_add_model_file (window (), good_file);
  dialog = wait_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Add “tiny.gguf”?");
  g_assert_true (adw_message_dialog_has_response (dialog, "link"));
  answer (dialog, "copy");
  sprig_test_wait_for (installed, (gpointer) "tiny.gguf", "the copy");
}

static void
test_delete (void)
{
  GtkWidget *models = models_window ();
  g_autofree char *path = in_models ("tiny.gguf");
  AdwMessageDialog *dialog;

  g_assert_true (gtk_widget_activate_action (models, "models.delete", "s", "tiny.gguf"));
  dialog = wait_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Delete “tiny.gguf”?");
  g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, "delete"), ==,
                   ADW_RESPONSE_DESTRUCTIVE);
  answer (dialog, "cancel");
  sprig_test_spin (200);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  g_assert_true (gtk_widget_activate_action (models, "models.delete", "s", "tiny.gguf"));
  answer (wait_dialog (), "delete");
  sprig_test_wait_for (not_installed, (gpointer) "tiny.gguf", "the deletion");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_null (sprig_test_find (models, is_named, "tiny.gguf"));
}

/* ---- setup ---- */

static char *
catalog_entry (const char *id,
               const char *name,
               const char *file,
               const char *sha,
               gboolean    recommended,
               gboolean    supported)
{
  return g_strdup_printf (
    "{\"id\": \"%s\", \"name\": \"%s\", \"publisher\": \"Sprig tests\", "
    "\"url\": \"%s/models/%s\", \"file_name\": \"%s\", \"size\": %" G_GSIZE_FORMAT ", "
    "\"sha256\": \"%s\", \"license\": \"Apache-2.0\", \"architecture\": \"qwen3\", "
    "\"quantization\": \"F32\", \"parameters\": 100000, \"ram\": 1000000, "
    "\"description\": \"A tiny model for the tests.\", \"supported\": %s, "
    "\"support_note\": \"Not for this engine.\", \"recommended\": %s, \"unverified\": []}",
    id, name, server->base_url, file, file, g_bytes_get_size (model_bytes), sha,
    supported ? "true" : "false", recommended ? "true" : "false");
}

static void
write_catalog (void)
{
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, model_bytes);
  g_autofree char *a = catalog_entry ("test-tiny", "Test Tiny", FIRST_FILE, sha, TRUE, TRUE);
  g_autofree char *b = catalog_entry ("test-other", "Other Tiny", OTHER_FILE, sha, FALSE, TRUE);
  g_autofree char *c = catalog_entry ("test-unsupported", "Unsupported", "unsupported.gguf", sha,
                                      FALSE, FALSE);
  g_autofree char *json = g_strdup_printf ("{\"version\": 1, \"models\": [%s, %s, %s]}", a, b, c);
  g_autofree char *path = g_build_filename (tmpdir, "catalog.json", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, json, -1, &error);
  g_assert_no_error (error);
  g_setenv ("SPRIG_CATALOG_PATH", path, TRUE);
}

int
main (int argc, char **argv)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  g_autofree char *contents = NULL;
  const char *args[] = { "--shape", "tiny", NULL };
  gsize len = 0;
  int ret;

  tmpdir = g_dir_make_tmp ("sprig-app-models-XXXXXX", &error);
  g_assert_no_error (error);
  data_home = g_build_filename (tmpdir, "data", NULL);
  models_dir = g_build_filename (data_home, "sprig", "models", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  /* The server is on 127.0.0.1: no proxy may stand in between. */
  g_unsetenv ("http_proxy");
  g_unsetenv ("HTTP_PROXY");
  g_unsetenv ("all_proxy");
  g_setenv ("no_proxy", "127.0.0.1", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  model_path = sprig_test_make_model (tmpdir, "tiny.gguf", args);
  g_file_get_contents (model_path, &contents, &len, &error);
  g_assert_no_error (error);
  model_bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  server = server_start (model_bytes);
  write_catalog ();
  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "model-path", "");
  g_settings_set_int (settings, "max-reply-tokens", 8);

  the_app = sprig_application_new (APP_ID);
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/sprig/app/models/first-run", test_first_run);
  g_test_add_func ("/sprig/app/models/first-download", test_first_download);
  g_test_add_func ("/sprig/app/models/models-window", test_models_window);
  g_test_add_func ("/sprig/app/models/cancel", test_cancel);
  g_test_add_func ("/sprig/app/models/resume-after-restart", test_resume_after_restart);
  g_test_add_func ("/sprig/app/models/add-file", test_add_file);
  g_test_add_func ("/sprig/app/models/delete", test_delete);
  ret = g_test_run ();

  sprig_test_destroy_windows (GTK_APPLICATION (the_app));
  g_clear_object (&the_app);
  g_clear_object (&settings);
  sprig_test_spin (100);
  server_stop (server);
  g_bytes_unref (model_bytes);
  g_free (model_path);
  sprig_test_remove_tree (tmpdir);
  g_free (models_dir);
  g_free (tmpdir);
  return ret;
}
