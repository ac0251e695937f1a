/* SPDX-License-Identifier: Apache-2.0
 *
 * A fresh profile with the demo model that ships with the app: the app starts on it
 * without being asked, says so in the banner that points to Bonsai, and a greeting gets
 * an answer with no network. The shipped model is data/models/sprig-demo.gguf when the
 * tree has it (SPRIG_TEST_DEMO_MODEL), else a tiny random model stands in for it.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "sprig-application.h"
#include "sprig-chat-view.h"
#include "sprig-message-item.h"
#include "sprig-model-manager.h"
#include "sprig-test-model.h"
#include "sprig-test-ui.h"
#include "sprig-window.h"

static SprigApplication *the_app;
static char *tmpdir;
static char *shipped_dir;

static SprigWindow *
window (void)
{
  return SPRIG_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (the_app)));
}

static gboolean
chat_shown (gpointer data)
{
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (window ()), SPRIG_TYPE_CHAT_VIEW);

  return view != NULL && gtk_widget_get_mapped (view);
}

static gboolean
reply_done (gpointer chat)
{
  GListModel *messages = sprig_chat_get_messages (chat);

  return !sprig_chat_get_generating (chat) && g_list_model_get_n_items (messages) == 2;
}

static gboolean
is_demo_banner (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_REVEALER (widget) && gtk_revealer_get_child (GTK_REVEALER (widget)) != NULL &&
         gtk_widget_has_css_class (gtk_revealer_get_child (GTK_REVEALER (widget)),
                                   "sprig-demo-banner");
}

static void
test_starts_on_demo (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *demo = sprig_model_manager_get_demo_path ();
  g_autofree char *path = NULL;
  GtkRevealer *banner;
  SprigChat *chat;
  g_autoptr(SprigMessageItem) reply = NULL;

  g_assert_nonnull (demo);
  g_assert_true (g_str_has_prefix (demo, shipped_dir));
  g_settings_set_double (settings, "temperature", 0.0);  /* greedy: the same answer each run */
  g_application_activate (G_APPLICATION (the_app));
  sprig_test_wait_for (chat_shown, NULL, "the demo model to load");
  path = g_settings_get_string (settings, "model-path");
  g_assert_cmpstr (path, ==, demo);
  banner = GTK_REVEALER (sprig_test_find (GTK_WIDGET (window ()), is_demo_banner, NULL));
  g_assert_nonnull (banner);
  g_assert_true (gtk_revealer_get_reveal_child (banner));
  sprig_test_screenshot (GTK_WIDGET (window ()), "demo-first-start");

  chat = sprig_window_get_chat (window ());
  sprig_chat_set_max_tokens (chat, 64);
  sprig_chat_send (chat, "Hello");
  sprig_test_wait_for (reply_done, chat, "the demo model's answer");
  reply = g_list_model_get_item (sprig_chat_get_messages (chat), 1);
  g_test_message ("the demo model answers “Hello” with: %s", sprig_message_item_get_content (reply));
  g_assert_cmpint (sprig_message_item_get_status (reply), ==, SPRIG_MESSAGE_STATUS_COMPLETE);
  if (g_getenv ("SPRIG_TEST_DEMO_MODEL") != NULL)
    {
      /* the real demo model greets back and says what it is */
      const char *text = sprig_message_item_get_content (reply);

      g_assert_true (g_str_has_prefix (text, "Hi") || g_str_has_prefix (text, "Hello"));
      g_assert_nonnull (strstr (text, "demo"));
    }
  sprig_test_screenshot (GTK_WIDGET (window ()), "demo-greeting");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  const char *real = g_getenv ("SPRIG_TEST_DEMO_MODEL");
  const char *args[] = { "--shape", "tiny", NULL };
  int ret;

  tmpdir = g_dir_make_tmp ("sprig-app-demo-XXXXXX", &error);
  g_assert_no_error (error);
  data_home = g_build_filename (tmpdir, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  shipped_dir = g_build_filename (tmpdir, "shipped", NULL);
  g_mkdir_with_parents (shipped_dir, 0755);
  g_setenv ("SPRIG_SHIPPED_MODELS_DIR", shipped_dir, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  if (real != NULL && g_file_test (real, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *link = g_build_filename (shipped_dir, SPRIG_DEMO_MODEL_FILE, NULL);

      g_assert_cmpint (symlink (real, link), ==, 0);
    }
  else
    g_free (sprig_test_make_model (shipped_dir, SPRIG_DEMO_MODEL_FILE, args));

  the_app = sprig_application_new (APP_ID);
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);
  g_test_add_func ("/sprig/app/demo/starts-on-demo", test_starts_on_demo);
  ret = g_test_run ();

  sprig_test_destroy_windows (GTK_APPLICATION (the_app));
  g_clear_object (&the_app);
  sprig_test_remove_tree (tmpdir);
  g_free (shipped_dir);
  g_free (tmpdir);
  return ret;
}
