/* SPDX-License-Identifier: Apache-2.0
 *
 * The conversation sidebar and the window layout under Xvfb: day groups (the grouping
 * function on fixed dates, midnight, the year's end and daylight-saving days; then the
 * headings in the list as conversations are pinned and deleted), search with
 * highlighted snippets, no results, opening a hit, Escape, the empty state, "Delete All
 * Chats" with its confirmation while a reply streams, the remembered sidebar and the
 * 360 px layout. Saves screenshots of the search into the build folder.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sprig-application.h"
#include "sprig-conversation-group.h"
#include "sprig-conversation-item.h"
#include "sprig-search-row.h"
#include "sprig-sidebar-model.h"
#include "sprig-sidebar.h"
#include "sprig-test-model.h"
#include "sprig-test-ui.h"
#include "sprig-window.h"

static SprigApplication *the_app;
static GSettings *settings;
static char *tmpdir;
static gint64 today_id, yesterday_id, old_id, pinned_id;
static gint64 fox_message_id;

/* ---- helpers ---- */

static GtkWidget *
find_status_page (GtkWidget  *root,
                  const char *title)
{
  g_autoptr(GPtrArray) pages = g_ptr_array_new ();

  sprig_test_collect (root, ADW_TYPE_STATUS_PAGE, pages);
  for (guint i = 0; i < pages->len; i++)
    if (g_strcmp0 (adw_status_page_get_title (pages->pdata[i]), title) == 0)
      return pages->pdata[i];
  return NULL;
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  sprig_test_collect (root, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return labels->pdata[i];
  return NULL;
}

static SprigWindow *
window (void)
{
  return SPRIG_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (the_app)));
}

static SprigSidebar *
sidebar (void)
{
  return SPRIG_SIDEBAR (sprig_test_find_type (GTK_WIDGET (window ()), SPRIG_TYPE_SIDEBAR));
}

/* Whether "Delete All Chats…" can be chosen, as a widget using the action sees it. */
static gboolean
delete_all_enabled (void)
{
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (sidebar ()));
  GtkWidget *probe = gtk_button_new ();
  gboolean enabled;

  gtk_actionable_set_action_name (GTK_ACTIONABLE (probe), "win.delete-all");
  gtk_box_append (GTK_BOX (parent), probe);
  sprig_test_spin (50);
  enabled = gtk_widget_get_sensitive (probe);
  gtk_box_remove (GTK_BOX (parent), probe);
  return enabled;
}

static SprigWindow *
open_window (void)
{
  g_application_activate (G_APPLICATION (the_app));
  sprig_test_spin (200);
  return window ();
}

static gboolean
no_windows (gpointer data)
{
  return gtk_application_get_windows (GTK_APPLICATION (the_app)) == NULL;
}

static void
close_window (void)
{
  gtk_window_close (GTK_WINDOW (window ()));
  sprig_test_wait_for (no_windows, NULL, "the window to close");
}

static gboolean
listed_count (gpointer n)
{
  return g_list_model_get_n_items (sprig_sidebar_get_model (sidebar ())) == GPOINTER_TO_UINT (n);
}

static void
screenshot (const char *name)
{
  sprig_test_screenshot (GTK_WIDGET (window ()), name);
}

static gint64
add_conversation (SprigStore *store,
                  const char *title,
                  gint64      when,
                  gboolean    pinned)
{
  g_autoptr(SprigConversation) conv = sprig_conversation_new ();
  GAsyncResult *result = NULL;

  conv->title = g_strdup (title);
  conv->created_at = conv->updated_at = when;
  conv->pinned = pinned;
  sprig_store_create_conversation_async (store, conv, NULL, sprig_test_result_cb, &result);
  return sprig_test_await_id (store, &result, sprig_store_create_conversation_finish);
}

static gint64
add_message (SprigStore *store,
             gint64      conversation_id,
             const char *text)
{
  g_autoptr(SprigMessage) msg = sprig_message_new (SPRIG_MESSAGE_ROLE_USER, text);
  GAsyncResult *result = NULL;

  msg->conversation_id = conversation_id;
  sprig_store_append_message_async (store, msg, NULL, sprig_test_result_cb, &result);
  return sprig_test_await_id (store, &result, sprig_store_append_message_finish);
}

/* Noon, local time, @days_ago days before today: in its day whatever the hour now. */
static gint64
local_noon (int days_ago)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) noon = g_date_time_new_local (g_date_time_get_year (now),
                                                     g_date_time_get_month (now),
                                                     g_date_time_get_day_of_month (now),
                                                     12, 0, 0);
  g_autoptr(GDateTime) day = g_date_time_add_days (noon, -days_ago);

  return g_date_time_to_unix (day) * G_USEC_PER_SEC;
}

/* The grouped list as "[Heading]" and conversation titles, joined by "|". */
static char *
describe_groups (void)
{
  GListModel *groups = sprig_sidebar_get_grouped_model (sidebar ());
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (groups); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (groups, i);

      if (out->len > 0)
        g_string_append_c (out, '|');
      if (SPRIG_IS_SIDEBAR_HEADER (item))
        g_string_append_printf (out, "[%s]", sprig_sidebar_header_get_label (SPRIG_SIDEBAR_HEADER (item)));
      else
        g_string_append (out, sprig_conversation_item_get_title (SPRIG_CONVERSATION_ITEM (item)));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static guint
grouped_position (gint64 id)
{
  GListModel *groups = sprig_sidebar_get_grouped_model (sidebar ());

  for (guint i = 0; i < g_list_model_get_n_items (groups); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (groups, i);

      if (SPRIG_IS_CONVERSATION_ITEM (item) &&
          sprig_conversation_item_get_id (SPRIG_CONVERSATION_ITEM (item)) == id)
        return i;
    }
  g_assert_not_reached ();
}

static GtkWidget *
visible_page (void)
{
  GtkStack *stack = GTK_STACK (sprig_test_find_type (GTK_WIDGET (sidebar ()), GTK_TYPE_STACK));

  return gtk_stack_get_visible_child (stack);
}

static gboolean
page_is (gpointer name)
{
  GtkStack *stack = GTK_STACK (sprig_test_find_type (GTK_WIDGET (sidebar ()), GTK_TYPE_STACK));

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), name) == 0;
}

/* ---- the grouping function ---- */

static gint64
at (GTimeZone  *tz,
    int         year,
    int         month,
    int         day,
    int         hour,
    int         minute)
{
  g_autoptr(GDateTime) dt = g_date_time_new (tz, year, month, day, hour, minute, 0);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static void
assert_group (GTimeZone              *tz,
              gint64                  now,
              gint64                  t,
              SprigConversationGroup  group,
              const char             *label)
{
  g_autofree char *got = NULL;

  g_assert_cmpint (sprig_conversation_group_for_time (now, t, tz, &got), ==, group);
  g_assert_cmpstr (got, ==, label);
}

static void
test_group_days (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (5 * 3600 + 1800);
  gint64 now = at (tz, 2024, 3, 10, 0, 0);  /* exactly midnight */

  assert_group (tz, now, now, SPRIG_CONVERSATION_GROUP_TODAY, "Today");
  /* one second before midnight is yesterday */
  assert_group (tz, now, now - G_USEC_PER_SEC, SPRIG_CONVERSATION_GROUP_YESTERDAY, "Yesterday");
  assert_group (tz, now, at (tz, 2024, 3, 9, 0, 0), SPRIG_CONVERSATION_GROUP_YESTERDAY,
                "Yesterday");
  assert_group (tz, now, at (tz, 2024, 3, 8, 23, 59), SPRIG_CONVERSATION_GROUP_PREVIOUS_7_DAYS,
                "Previous 7 Days");
  assert_group (tz, now, at (tz, 2024, 3, 3, 0, 0), SPRIG_CONVERSATION_GROUP_PREVIOUS_7_DAYS,
                "Previous 7 Days");
  assert_group (tz, now, at (tz, 2024, 3, 2, 23, 0), SPRIG_CONVERSATION_GROUP_PREVIOUS_30_DAYS,
                "Previous 30 Days");
  assert_group (tz, now, at (tz, 2024, 2, 9, 0, 0), SPRIG_CONVERSATION_GROUP_PREVIOUS_30_DAYS,
                "Previous 30 Days");
  assert_group (tz, now, at (tz, 2024, 2, 8, 12, 0), SPRIG_CONVERSATION_GROUP_MONTH, "February");
  assert_group (tz, now, at (tz, 2024, 1, 1, 0, 0), SPRIG_CONVERSATION_GROUP_MONTH, "January");
  assert_group (tz, now, at (tz, 2023, 12, 31, 23, 59), SPRIG_CONVERSATION_GROUP_MONTH_YEAR,
                "December 2023");
  /* a clock set back: a time in the future is today, not an error */
  assert_group (tz, now, at (tz, 2024, 3, 12, 0, 0), SPRIG_CONVERSATION_GROUP_TODAY, "Today");
  /* the same instant is another day in another zone */
  assert_group (tz, now, at (tz, 2024, 3, 10, 0, 10), SPRIG_CONVERSATION_GROUP_TODAY, "Today");
  {
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

    /* 00:10 at +05:30 is 18:40 UTC the day before, seen at 18:30 UTC: today there */
    assert_group (utc, now, at (tz, 2024, 3, 10, 0, 10), SPRIG_CONVERSATION_GROUP_TODAY,
                  "Today");
    assert_group (utc, now, at (tz, 2024, 3, 9, 23, 0), SPRIG_CONVERSATION_GROUP_TODAY, "Today");
    assert_group (utc, now, at (tz, 2024, 3, 9, 0, 0), SPRIG_CONVERSATION_GROUP_YESTERDAY,
                  "Yesterday");
  }
  /* no label wanted */
  g_assert_cmpint (sprig_conversation_group_for_time (now, now, tz, NULL), ==,
                   SPRIG_CONVERSATION_GROUP_TODAY);
}

static void
test_group_year_boundary (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_utc ();
  gint64 now = at (tz, 2025, 1, 1, 0, 10);

  assert_group (tz, now, at (tz, 2024, 12, 31, 23, 50), SPRIG_CONVERSATION_GROUP_YESTERDAY,
                "Yesterday");
  assert_group (tz, now, at (tz, 2024, 12, 25, 9, 0), SPRIG_CONVERSATION_GROUP_PREVIOUS_7_DAYS,
                "Previous 7 Days");
  assert_group (tz, now, at (tz, 2024, 12, 2, 9, 0), SPRIG_CONVERSATION_GROUP_PREVIOUS_30_DAYS,
                "Previous 30 Days");
  /* last year, even if "this month" by number */
  assert_group (tz, now, at (tz, 2024, 11, 30, 9, 0), SPRIG_CONVERSATION_GROUP_MONTH_YEAR,
                "November 2024");
  assert_group (tz, now, at (tz, 2024, 1, 15, 9, 0), SPRIG_CONVERSATION_GROUP_MONTH_YEAR,
                "January 2024");
  /* a leap day a year on */
  now = at (tz, 2025, 3, 1, 8, 0);
  assert_group (tz, now, at (tz, 2025, 2, 28, 8, 0), SPRIG_CONVERSATION_GROUP_YESTERDAY,
                "Yesterday");
  now = at (tz, 2024, 3, 1, 8, 0);
  assert_group (tz, now, at (tz, 2024, 2, 29, 8, 0), SPRIG_CONVERSATION_GROUP_YESTERDAY,
                "Yesterday");
  assert_group (tz, now, at (tz, 2024, 2, 28, 8, 0), SPRIG_CONVERSATION_GROUP_PREVIOUS_7_DAYS,
                "Previous 7 Days");
}

static void
test_group_dst (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("America/New_York");
  gint64 now;

  if (tz == NULL)
    {
      g_test_skip ("no tzdata for America/New_York");
      return;
    }
  /* 10 March 2024 has 23 hours: 00:30 to 00:30 next day is 23 h, still yesterday */
  now = at (tz, 2024, 3, 11, 0, 30);
  assert_group (tz, now, at (tz, 2024, 3, 10, 0, 30), SPRIG_CONVERSATION_GROUP_YESTERDAY,
                "Yesterday");
  assert_group (tz, now, now - 24 * G_TIME_SPAN_HOUR, SPRIG_CONVERSATION_GROUP_PREVIOUS_7_DAYS,
                "Previous 7 Days");
  /* 3 November 2024 has 25 hours: 24 h after 00:30 is still the same day */
  now = at (tz, 2024, 11, 3, 23, 30);
  assert_group (tz, now, at (tz, 2024, 11, 3, 0, 30), SPRIG_CONVERSATION_GROUP_TODAY, "Today");
  assert_group (tz, now, now - 24 * G_TIME_SPAN_HOUR, SPRIG_CONVERSATION_GROUP_TODAY, "Today");
  assert_group (tz, now, at (tz, 2024, 11, 2, 23, 59), SPRIG_CONVERSATION_GROUP_YESTERDAY,
                "Yesterday");
}

/* ---- snippet markup ---- */

static void
test_snippet_markup (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "plain", "plain" },
    { "a \002fox\003 & <b>", "a <span weight=\"bold\" bgcolor=\"#f6d32d\" bgalpha=\"45%\">fox</span> &amp; &lt;b&gt;" },
    { "\002<\003\002>\003", "<span weight=\"bold\" bgcolor=\"#f6d32d\" bgalpha=\"45%\">&lt;</span>"
                             "<span weight=\"bold\" bgcolor=\"#f6d32d\" bgalpha=\"45%\">&gt;</span>" },
    /* cut off by the snippet's length: the span is closed */
    { "…the \002quick", "…the <span weight=\"bold\" bgcolor=\"#f6d32d\" bgalpha=\"45%\">quick</span>" },
    /* a stray end and a nested start are dropped */
    { "x\003y\002a\002b\003", "xy<span weight=\"bold\" bgcolor=\"#f6d32d\" bgalpha=\"45%\">ab</span>" },
    { "line\none", "line one" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *markup = sprig_search_snippet_markup (cases[i].in);
      g_autoptr(GError) error = NULL;

      g_assert_cmpstr (markup, ==, cases[i].out);
      g_assert_true (pango_parse_markup (markup, -1, 0, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
    }
}

/* ---- the window ---- */

static void
test_empty_state (void)
{
  SprigWindow *win = open_window ();
  GtkWidget *empty;

  empty = find_status_page (GTK_WIDGET (win), "No Chats Yet");
  g_assert_nonnull (empty);
  g_assert_true (gtk_widget_has_css_class (empty, "compact"));
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (empty)), "Ctrl+N"));
  g_assert_true (gtk_widget_get_mapped (empty));
  /* nothing to delete */
  g_assert_false (delete_all_enabled ());
}

/* Every button of the headers and the sidebar that shows only an icon says what it does. */
static void
test_icon_buttons_labelled (void)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  guint icon_only = 0;

  sprig_test_collect (GTK_WIDGET (window ()), ADW_TYPE_HEADER_BAR, headers);
  g_assert_cmpuint (headers->len, ==, 2);
  g_ptr_array_add (headers, sidebar ());
  for (guint i = 0; i < headers->len; i++)
    {
      sprig_test_collect (headers->pdata[i], GTK_TYPE_BUTTON, buttons);
      sprig_test_collect (headers->pdata[i], GTK_TYPE_MENU_BUTTON, buttons);
    }
  for (guint i = 0; i < buttons->len; i++)
    {
      GtkWidget *button = buttons->pdata[i];
      GtkWidget *menu_button = gtk_widget_get_ancestor (button, GTK_TYPE_MENU_BUTTON);
      const char *icon;

      if ((menu_button != NULL && menu_button != button) || !gtk_widget_get_visible (button) ||
          gtk_widget_get_ancestor (button, GTK_TYPE_WINDOW_CONTROLS) != NULL)
        continue;  /* a menu button's inner button, GTK's hidden or window buttons */
      icon = GTK_IS_MENU_BUTTON (button) ? gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (button))
                                         : gtk_button_get_icon_name (GTK_BUTTON (button));
      if (icon == NULL)
        continue;
      icon_only++;
      g_test_message ("icon button: %s", icon);
      g_assert_nonnull (gtk_widget_get_tooltip_text (button));
    }
  /* new chat, search, main menu, sidebar toggle, open model */
  g_assert_cmpuint (icon_only, >=, 5);
}

static gboolean
all_listed (gpointer data)
{
  return listed_count (GUINT_TO_POINTER (4));
}

static void
test_day_groups (void)
{
  SprigWindow *win = window ();
  SprigStore *store = sprig_window_get_store (win);
  GtkWidget *list_view = sprig_test_find_type (GTK_WIDGET (sidebar ()), GTK_TYPE_LIST_VIEW);
  g_autofree char *old_label = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *groups = NULL;
  GtkWidget *heading;

  today_id = add_conversation (store, "Fox facts", local_noon (0), FALSE);
  yesterday_id = add_conversation (store, "Garden ideas", local_noon (1), FALSE);
  old_id = add_conversation (store, "Tax questions", local_noon (40), FALSE);
  pinned_id = add_conversation (store, "Recipes", local_noon (400), TRUE);
  /* a new message makes its conversation today's, so it goes to today's */
  fox_message_id = add_message (store, today_id,
                                "Tell me: does the quick brown fox <really> jump & run?");
  sprig_sidebar_refresh (sidebar ());
  sprig_test_wait_for (all_listed, NULL, "the conversations in the sidebar");
  g_assert_true (page_is ((gpointer) "list"));

  sprig_conversation_group_for_time (g_get_real_time (), local_noon (40), NULL, &old_label);
  expected = g_strdup_printf ("[Pinned]|Recipes|[Today]|Fox facts|[Yesterday]|Garden ideas|"
                              "[%s]|Tax questions", old_label);
  groups = describe_groups ();
  g_assert_cmpstr (groups, ==, expected);
  g_assert_true (g_str_equal (old_label, "Previous 30 Days") == FALSE);

  /* the headings are on screen, in rows that cannot be chosen */
  sprig_test_spin (200);
  heading = find_label (list_view, "Yesterday");
  g_assert_nonnull (heading);
  g_assert_true (gtk_widget_has_css_class (heading, "sprig-sidebar-heading"));
  g_assert_true (gtk_widget_get_mapped (heading));
  g_signal_emit_by_name (list_view, "activate", 0);  /* the "Pinned" heading */
  sprig_test_spin (100);
  g_assert_cmpint (sprig_chat_get_conversation_id (sprig_window_get_chat (win)), ==, 0);
  g_signal_emit_by_name (list_view, "activate", grouped_position (old_id));
  sprig_test_spin (300);
  g_assert_cmpint (sprig_chat_get_conversation_id (sprig_window_get_chat (win)), ==, old_id);
  /* the one shown is selected, found through the headings */
  g_assert_cmpuint (gtk_single_selection_get_selected (
                      GTK_SINGLE_SELECTION (gtk_list_view_get_model (GTK_LIST_VIEW (list_view)))),
                    ==, grouped_position (old_id));
  screenshot ("sidebar-groups");

  /* pinning moves it under "Pinned" at once, and an empty group loses its heading */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sidebar ()), "sidebar.pin", "x",
                                             yesterday_id));
  g_clear_pointer (&groups, g_free);
  g_clear_pointer (&expected, g_free);
  groups = describe_groups ();
  expected = g_strdup_printf ("[Pinned]|Garden ideas|Recipes|[Today]|Fox facts|[%s]|Tax questions",
                              old_label);
  g_assert_cmpstr (groups, ==, expected);
  sprig_test_spin (300);  /* the store's write and the refresh after it agree */
  g_clear_pointer (&groups, g_free);
  groups = describe_groups ();
  g_assert_cmpstr (groups, ==, expected);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sidebar ()), "sidebar.pin", "x",
                                             yesterday_id));
  sprig_test_spin (300);
  g_clear_pointer (&groups, g_free);
  groups = describe_groups ();
  g_assert_nonnull (strstr (groups, "[Yesterday]|Garden ideas"));
  g_assert_true (delete_all_enabled ());
}

static GtkWidget *
first_hit (void)
{
  return sprig_test_find_type (GTK_WIDGET (sidebar ()), SPRIG_TYPE_SEARCH_ROW);
}

static gboolean
has_bold_run (GtkLabel   *label,
              const char *word)
{
  PangoAttrList *attrs = pango_layout_get_attributes (gtk_label_get_layout (label));
  const char *text = gtk_label_get_text (label);
  const char *found = strstr (text, word);
  PangoAttrIterator *iter;
  gboolean bold = FALSE;

  if (attrs == NULL || found == NULL)
    return FALSE;
  iter = pango_attr_list_get_iterator (attrs);
  do
    {
      int start, end;
      PangoAttrInt *weight = (PangoAttrInt *) pango_attr_iterator_get (iter, PANGO_ATTR_WEIGHT);

      pango_attr_iterator_range (iter, &start, &end);
      if (weight != NULL && weight->value >= PANGO_WEIGHT_BOLD &&
          start <= found - text && end >= found - text + (int) strlen (word) &&
          pango_attr_iterator_get (iter, PANGO_ATTR_BACKGROUND) != NULL)
        bold = TRUE;
    }
  while (!bold && pango_attr_iterator_next (iter));
  pango_attr_iterator_destroy (iter);
  return bold;
}

typedef struct
{
  gint64 conversation_id;
  gint64 message_id;
} Hit;

static void
hit_cb (SprigSidebar *sb,
        gint64        conversation_id,
        gint64        message_id,
        Hit          *hit)
{
  hit->conversation_id = conversation_id;
  hit->message_id = message_id;
}

static void
test_search (void)
{
  SprigWindow *win = window ();
  SprigSidebar *sb = sidebar ();
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkWidget *row, *entry, *focus;
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  GtkLabel *snippet = NULL;
  Hit hit = { 0, 0 };
  g_auto(GStrv) accels = NULL;

  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (the_app), "win.search");
  g_assert_cmpstr (accels[0], ==, "<Control>f");
  g_assert_false (sprig_sidebar_get_search_mode (sb));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
  sprig_test_spin (100);
  g_assert_true (sprig_sidebar_get_search_mode (sb));
  focus = gtk_window_get_focus (GTK_WINDOW (win));
  entry = focus != NULL ? gtk_widget_get_ancestor (focus, GTK_TYPE_SEARCH_ENTRY) : NULL;
  g_assert_nonnull (entry);
  g_assert_true (gtk_widget_is_ancestor (entry, GTK_WIDGET (sb)));

  sprig_sidebar_search (sb, "brown fox");
  sprig_test_wait_for (page_is, (gpointer) "results", "search results");
  row = first_hit ();
  g_assert_nonnull (row);
  g_assert_cmpint (sprig_search_row_get_conversation_id (SPRIG_SEARCH_ROW (row)), ==, today_id);
  g_assert_cmpint (sprig_search_row_get_message_id (SPRIG_SEARCH_ROW (row)), ==, fox_message_id);
  sprig_test_collect (row, GTK_TYPE_LABEL, labels);
  g_assert_cmpuint (labels->len, ==, 2);
  g_assert_cmpstr (gtk_label_get_text (labels->pdata[0]), ==, "Fox facts");
  snippet = labels->pdata[1];
  /* the text is shown as written, markers gone, and the matches are bold and marked */
  g_assert_nonnull (strstr (gtk_label_get_text (snippet), "brown fox <rea"));
  g_assert_null (strchr (gtk_label_get_text (snippet), '\002'));
  g_assert_true (has_bold_run (snippet, "brown"));
  g_assert_true (has_bold_run (snippet, "fox"));
  g_assert_false (has_bold_run (snippet, "<rea"));
  g_assert_true (gtk_widget_get_mapped (row));
  screenshot ("sidebar-search");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  screenshot ("sidebar-search-dark");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  /* a title matches too, highlighted in the title */
  sprig_sidebar_search (sb, "Garden");
  sprig_test_wait_for (page_is, (gpointer) "results", "title results");
  sprig_test_spin (100);
  row = first_hit ();
  g_assert_cmpint (sprig_search_row_get_conversation_id (SPRIG_SEARCH_ROW (row)), ==, yesterday_id);
  g_assert_cmpint (sprig_search_row_get_message_id (SPRIG_SEARCH_ROW (row)), ==, 0);

  /* opening a hit names the message and opens its conversation */
  sprig_sidebar_search (sb, "quick brown");
  sprig_test_wait_for (page_is, (gpointer) "results", "search results");
  sprig_test_spin (100);
  row = first_hit ();
  g_signal_connect (sb, "search-hit-activated", G_CALLBACK (hit_cb), &hit);
  g_signal_emit_by_name (row, "activate");
  sprig_test_spin (300);
  g_signal_handlers_disconnect_by_func (sb, hit_cb, &hit);
  g_assert_cmpint (hit.conversation_id, ==, today_id);
  g_assert_cmpint (hit.message_id, ==, fox_message_id);
  g_assert_cmpint (sprig_chat_get_conversation_id (sprig_window_get_chat (win)), ==, today_id);
}

static void
test_no_results_and_escape (void)
{
  SprigWindow *win = window ();
  SprigSidebar *sb = sidebar ();
  GtkWidget *page, *entry;

  sprig_sidebar_search (sb, "zebra crossing");
  sprig_test_wait_for (page_is, (gpointer) "no-results", "the no-results page");
  page = visible_page ();
  g_assert_true (ADW_IS_STATUS_PAGE (page));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (page)), ==, "No Results");
  g_assert_cmpstr (adw_status_page_get_icon_name (ADW_STATUS_PAGE (page)), ==,
                   "system-search-symbolic");
  sprig_test_spin (200);
  g_assert_true (gtk_widget_get_mapped (page));

  /* Escape in the entry closes the search and brings the list back */
  entry = sprig_test_find_type (GTK_WIDGET (sb), GTK_TYPE_SEARCH_ENTRY);
  g_signal_emit_by_name (entry, "stop-search");
  sprig_test_spin (100);
  g_assert_false (sprig_sidebar_get_search_mode (sb));
  g_assert_true (page_is ((gpointer) "list"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");

  /* and from the results list, through the sidebar's own Escape */
  sprig_sidebar_search (sb, "brown");
  sprig_test_wait_for (page_is, (gpointer) "results", "search results");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (first_hit ()), "sidebar.stop-search",
                                             NULL));
  sprig_test_spin (100);
  g_assert_false (sprig_sidebar_get_search_mode (sb));
  g_assert_true (page_is ((gpointer) "list"));
  /* the header's search button follows */
  sprig_sidebar_set_search_mode (sb, TRUE);
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (win), "sidebar.stop-search", NULL));
  sprig_sidebar_set_search_mode (sb, FALSE);
}

static GtkWidget *
toggle_button (void)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  sprig_test_collect (GTK_WIDGET (window ()), GTK_TYPE_TOGGLE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_actionable_get_action_name (buttons->pdata[i]), "win.show-sidebar") == 0)
      return buttons->pdata[i];
  return NULL;
}

static gboolean
show_sidebar (void)
{
  gboolean shown;

  g_object_get (window (), "show-sidebar", &shown, NULL);
  return shown;
}

static gboolean
sidebar_collapsed (void)
{
  GtkWidget *split;
  gboolean collapsed;

#if ADW_CHECK_VERSION (1, 4, 0)
  split = sprig_test_find_type (GTK_WIDGET (window ()), ADW_TYPE_OVERLAY_SPLIT_VIEW);
  collapsed = adw_overlay_split_view_get_collapsed (ADW_OVERLAY_SPLIT_VIEW (split));
#else
  split = sprig_test_find_type (GTK_WIDGET (window ()), ADW_TYPE_FLAP);
  collapsed = adw_flap_get_folded (ADW_FLAP (split));
#endif
  return collapsed;
}

static gboolean
sidebar_shown (gpointer want)
{
  return gtk_widget_get_mapped (GTK_WIDGET (sidebar ())) == GPOINTER_TO_INT (want) &&
         show_sidebar () == GPOINTER_TO_INT (want);
}

static void
test_sidebar_visibility (void)
{
  SprigWindow *win = window ();
  GtkWidget *toggle = toggle_button ();
  g_auto(GStrv) accels =
    gtk_application_get_accels_for_action (GTK_APPLICATION (the_app), "win.show-sidebar");

  g_assert_cmpstr (accels[0], ==, "F9");
  g_assert_nonnull (toggle);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (toggle), ==, "Toggle Sidebar");
  g_assert_false (sidebar_collapsed ());
  g_assert_true (show_sidebar ());
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle)));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-sidebar", NULL));
  sprig_test_wait_for (sidebar_shown, GINT_TO_POINTER (FALSE), "the sidebar to hide");
  g_assert_false (g_settings_get_boolean (settings, "sidebar-visible"));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle)));
  /* Ctrl+F brings it back for the search */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
  sprig_test_wait_for (sidebar_shown, GINT_TO_POINTER (TRUE), "the sidebar to show");
  g_assert_true (g_settings_get_boolean (settings, "sidebar-visible"));
  sprig_sidebar_set_search_mode (sidebar (), FALSE);

  /* remembered across windows */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-sidebar", NULL));
  sprig_test_wait_for (sidebar_shown, GINT_TO_POINTER (FALSE), "the sidebar to hide");
  close_window ();
  open_window ();
  sprig_test_wait_for (sidebar_shown, GINT_TO_POINTER (FALSE), "a new window without the sidebar");
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle_button ())));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.show-sidebar", NULL));
  sprig_test_wait_for (sidebar_shown, GINT_TO_POINTER (TRUE), "the sidebar to show");
  g_assert_true (g_settings_get_boolean (settings, "sidebar-visible"));
  sprig_test_wait_for (all_listed, NULL, "the conversations in the new window");
}

static gboolean
collapsed_is (gpointer want)
{
  return sidebar_collapsed () == GPOINTER_TO_INT (want);
}

static void
test_narrow (void)
{
  SprigWindow *win = window ();
  GtkWidget *list_view;

  gtk_window_set_default_size (GTK_WINDOW (win), 360, 640);
  sprig_test_wait_for (collapsed_is, GINT_TO_POINTER (TRUE), "the layout to collapse");
  sprig_test_wait_for (sidebar_shown, GINT_TO_POINTER (FALSE), "the sidebar to hide when collapsed");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (win)), ==, 360);
  /* hiding it for want of room is not the user's choice */
  g_assert_true (g_settings_get_boolean (settings, "sidebar-visible"));
  screenshot ("narrow-chat");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-sidebar", NULL));
  sprig_test_wait_for (sidebar_shown, GINT_TO_POINTER (TRUE), "the sidebar over the chat");
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (sidebar ())), <=, 360);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (sidebar ())), >, 200);
  screenshot ("narrow-sidebar");
  sprig_sidebar_search (sidebar (), "fox");
  sprig_test_wait_for (page_is, (gpointer) "results", "search results");
  screenshot ("narrow-search");
  sprig_sidebar_set_search_mode (sidebar (), FALSE);

  /* choosing a conversation uncovers it */
  list_view = sprig_test_find_type (GTK_WIDGET (sidebar ()), GTK_TYPE_LIST_VIEW);
  g_signal_emit_by_name (list_view, "activate", grouped_position (yesterday_id));
  sprig_test_wait_for (sidebar_shown, GINT_TO_POINTER (FALSE), "the sidebar to go");
  g_assert_cmpint (sprig_chat_get_conversation_id (sprig_window_get_chat (win)), ==, yesterday_id);
  g_assert_true (g_settings_get_boolean (settings, "sidebar-visible"));

  gtk_window_set_default_size (GTK_WINDOW (win), 960, 720);
  sprig_test_wait_for (collapsed_is, GINT_TO_POINTER (FALSE), "the layout to expand");
  sprig_test_wait_for (sidebar_shown, GINT_TO_POINTER (TRUE), "the remembered sidebar");
}

/* The confirmation: an AdwAlertDialog from libadwaita 1.5, an AdwMessageDialog before. */
#if ADW_CHECK_VERSION (1, 5, 0)
typedef AdwAlertDialog ConfirmDialog;
#define confirm_get_heading    adw_alert_dialog_get_heading
#define confirm_get_default    adw_alert_dialog_get_default_response
#define confirm_get_close      adw_alert_dialog_get_close_response
#define confirm_get_appearance adw_alert_dialog_get_response_appearance
#define confirm_get_label      adw_alert_dialog_get_response_label

static ConfirmDialog *
open_dialog (void)
{
  AdwDialog *dialog = adw_application_window_get_visible_dialog (ADW_APPLICATION_WINDOW (window ()));

  return ADW_IS_ALERT_DIALOG (dialog) ? ADW_ALERT_DIALOG (dialog) : NULL;
}

/* as a click would: the response, then the dialog goes */
static void
respond (ConfirmDialog *dialog,
         const char    *response)
{
  g_signal_emit_by_name (dialog, "response", response);
  adw_dialog_force_close (ADW_DIALOG (dialog));
}
#else
typedef AdwMessageDialog ConfirmDialog;
#define confirm_get_heading    adw_message_dialog_get_heading
#define confirm_get_default    adw_message_dialog_get_default_response
#define confirm_get_close      adw_message_dialog_get_close_response
#define confirm_get_appearance adw_message_dialog_get_response_appearance
#define confirm_get_label      adw_message_dialog_get_response_label

static ConfirmDialog *
open_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* GTK keeps it */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static void
respond (ConfirmDialog *dialog,
         const char    *response)
{
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}
#endif

static gboolean
dialog_open (gpointer want)
{
  return (open_dialog () != NULL) == GPOINTER_TO_INT (want);
}

static ConfirmDialog *
confirm_delete_all (void)
{
  ConfirmDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window ()), "win.delete-all", NULL));
  sprig_test_wait_for (dialog_open, GINT_TO_POINTER (TRUE), "the confirmation");
  dialog = open_dialog ();
  g_assert_cmpstr (confirm_get_heading (dialog), ==, "Delete All Chats?");
  g_assert_cmpstr (confirm_get_default (dialog), ==, "cancel");
  g_assert_cmpstr (confirm_get_close (dialog), ==, "cancel");
  g_assert_cmpint (confirm_get_appearance (dialog, "delete"), ==, ADW_RESPONSE_DESTRUCTIVE);
  g_assert_cmpstr (confirm_get_label (dialog, "delete"), ==, "_Delete All");
  return dialog;
}

static void
answer (ConfirmDialog *dialog,
        const char    *response)
{
  respond (dialog, response);
  sprig_test_wait_for (dialog_open, GINT_TO_POINTER (FALSE), "the confirmation to close");
}

static gboolean
label_shown (gpointer text)
{
  GtkWidget *label = find_label (GTK_WIDGET (window ()), text);

  return label != NULL && gtk_widget_get_mapped (label);
}

static gboolean
reply_begun (gpointer chat)
{
  return g_list_model_get_n_items (sprig_chat_get_messages (chat)) == 2 ||
         !sprig_chat_get_generating (chat);
}

static gboolean
chat_view_mapped (gpointer data)
{
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (window ()), g_type_from_name ("SprigChatView"));

  return view != NULL && gtk_widget_get_mapped (view);
}

static void
test_delete_all (void)
{
  SprigWindow *win = window ();
  SprigStore *store = sprig_window_get_store (win);
  SprigChat *chat = sprig_window_get_chat (win);
  const char *const model_args[] = { "--shape", "tiny", NULL };
  g_autofree char *model = sprig_test_make_model (tmpdir, "tiny.gguf", model_args);
  const gint64 ids[] = { today_id, yesterday_id, old_id, pinned_id };
  g_autoptr(GPtrArray) stored = NULL;
  g_autofree char *toast = NULL;
  gint64 generating_id = 0;
  guint attempts = 0;
  const SprigMessage *reply;

  /* "Cancel" deletes nothing */
  answer (confirm_delete_all (), "cancel");
  sprig_test_spin (200);
  g_assert_true (listed_count (GUINT_TO_POINTER (4)));

  /* with a reply streaming: it is stopped and saved, then everything goes */
  sprig_window_load_model (win, model);
  sprig_test_wait_for (chat_view_mapped, NULL, "the model");
  sprig_chat_set_max_tokens (chat, 0);  /* until the context is full: long enough */
  while (generating_id == 0 && attempts++ < 5)
    {
      ConfirmDialog *dialog;

      gtk_widget_activate_action (GTK_WIDGET (win), "win.new-chat", NULL);
      sprig_test_spin (100);
      sprig_chat_send (chat, "Write a long story.");
      sprig_test_wait_for (reply_begun, chat, "a reply");
      g_assert_true (delete_all_enabled ());
      dialog = confirm_delete_all ();
      if (!sprig_chat_get_generating (chat))
        {
          answer (dialog, "cancel");  /* the model ended its turn already; again */
          continue;
        }
      generating_id = sprig_chat_get_conversation_id (chat);
      answer (dialog, "delete");
    }
  g_assert_cmpint (generating_id, >, 0);
  sprig_test_wait_for (listed_count, GUINT_TO_POINTER (0), "the list to empty");
  g_assert_false (sprig_chat_get_generating (chat));
  g_assert_cmpint (sprig_chat_get_conversation_id (chat), ==, 0);
  sprig_test_wait_for (page_is, (gpointer) "empty", "the empty state");
  g_assert_true (gtk_widget_get_mapped (find_status_page (GTK_WIDGET (win), "No Chats Yet")));
  /* after the model's "no chat template" toast, which goes after 8 s */
  toast = g_strdup_printf ("%u chats deleted", 4 + attempts);
  sprig_test_wait_for (label_shown, toast, "the toast");
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(SprigConversation) conv = sprig_store_get_conversation_sync (store, ids[i], NULL);

      g_assert_cmpint (conv->deleted_at, >, 0);
    }
  /* the stopped reply was saved as such before its conversation was deleted */
  stored = sprig_store_list_messages_sync (store, generating_id, NULL);
  g_assert_cmpuint (stored->len, ==, 2);
  reply = g_ptr_array_index (stored, 1);
  g_assert_cmpint (reply->status, ==, SPRIG_MESSAGE_STATUS_INTERRUPTED);
  g_assert_false (delete_all_enabled ());
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int ret;

  /* A data folder of our own, set before GLib reads it: the store lives there. */
  tmpdir = g_dir_make_tmp ("sprig-app-sidebar-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "model-path", "");
  g_settings_set_int (settings, "window-width", 960);
  g_settings_set_int (settings, "window-height", 720);
  the_app = sprig_application_new (APP_ID);
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/sprig/app/sidebar/group-days", test_group_days);
  g_test_add_func ("/sprig/app/sidebar/group-year-boundary", test_group_year_boundary);
  g_test_add_func ("/sprig/app/sidebar/group-dst", test_group_dst);
  g_test_add_func ("/sprig/app/sidebar/snippet-markup", test_snippet_markup);
  /* In order: each test goes on from the state the one before left. */
  g_test_add_func ("/sprig/app/sidebar/empty-state", test_empty_state);
  g_test_add_func ("/sprig/app/sidebar/icon-buttons-labelled", test_icon_buttons_labelled);
  g_test_add_func ("/sprig/app/sidebar/day-groups", test_day_groups);
  g_test_add_func ("/sprig/app/sidebar/search", test_search);
  g_test_add_func ("/sprig/app/sidebar/no-results-and-escape", test_no_results_and_escape);
  g_test_add_func ("/sprig/app/sidebar/visibility", test_sidebar_visibility);
  g_test_add_func ("/sprig/app/sidebar/narrow", test_narrow);
  g_test_add_func ("/sprig/app/sidebar/delete-all", test_delete_all);
  ret = g_test_run ();

  while (gtk_application_get_windows (GTK_APPLICATION (the_app)) != NULL)
    gtk_window_destroy (gtk_application_get_windows (GTK_APPLICATION (the_app))->data);
  sprig_test_spin (100);
  g_clear_object (&the_app);
  g_clear_object (&settings);
  sprig_test_spin (100);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

    (void) system (cmd);
  }
  g_free (tmpdir);
  return ret;
}
