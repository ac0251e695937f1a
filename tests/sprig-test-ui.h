/* SPDX-License-Identifier: Apache-2.0
 *
 * Shared by the UI tests that run under Xvfb: waiting on the main loop for a condition,
 * finding widgets in a tree, and saving what a window shows as a PNG.
 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-store.h"

G_BEGIN_DECLS

typedef gboolean (*SprigTestCondition) (gpointer data);
typedef gboolean (*SprigTestMatch)     (GtkWidget *widget, gconstpointer data);

/* Iterates the main loop until @cond holds; fails the test after a minute. */
void       sprig_test_wait_for   (SprigTestCondition  cond,
                                  gpointer            data,
                                  const char         *what);
/* Iterates the main loop for @ms milliseconds. */
void       sprig_test_spin       (guint               ms);
/* The first widget under @root (itself included, depth first) that @match accepts. */
GtkWidget *sprig_test_find       (GtkWidget          *root,
                                  SprigTestMatch      match,
                                  gconstpointer       data);
/* The first AdwPreferencesRow under @root titled @title. */
GtkWidget *sprig_test_find_row   (GtkWidget          *root,
                                  const char         *title);
/* The first label under @root whose text contains @text. */
GtkWidget *sprig_test_find_label_containing (GtkWidget  *root,
                                             const char *text);
/* Adds every widget of @type under @root (itself included, depth first) to @out. */
void       sprig_test_collect    (GtkWidget          *root,
                                  GType               type,
                                  GPtrArray          *out);
GtkWidget *sprig_test_find_type  (GtkWidget          *root,
                                  GType               type);
/* A GAsyncReadyCallback that stores a reference to @result in the GAsyncResult * that
 * @slot points to; sprig_test_await_result () iterates until it is there and takes it. */
void       sprig_test_result_cb  (GObject            *source,
                                  GAsyncResult       *result,
                                  gpointer            slot);
GAsyncResult *
           sprig_test_await_result (GAsyncResult    **slot);
/* Waits for the store call whose result lands in @slot (sprig_test_result_cb) and
 * returns the id its @finish gives; fails the test on an error. */
gint64     sprig_test_await_id   (SprigStore         *store,
                                  GAsyncResult      **slot,
                                  gint64            (*finish) (SprigStore *, GAsyncResult *,
                                                               GError **));
/* The first visible toplevel window of @type, or NULL. */
GtkWindow *sprig_test_find_toplevel (GType            type);
/* Destroys every window of @app and lets their disposal run. */
void       sprig_test_destroy_windows (GtkApplication *app);
/* Removes @path and everything below it. */
void       sprig_test_remove_tree (const char         *path);
/* Renders @widget's window as it is on screen into $G_TEST_BUILDDIR/screenshots/NAME.png. */
void       sprig_test_screenshot (GtkWidget          *widget,
                                  const char         *name);

G_END_DECLS
