/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sprig/se-engine.h>

#include "sprig-chat-settings.h"
#include "sprig-chat-view.h"
#include "sprig-model-manager.h"
#include "sprig-model-picker.h"
#include "sprig-sidebar.h"
#include "sprig-window.h"

G_BEGIN_DECLS

struct _SprigWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;
  SprigStore *store;
  SeEngine *engine;
  SprigChat *chat;
  SprigToolbox *toolbox;

  GtkWidget *split_view;      /* AdwOverlaySplitView, or AdwFlap before libadwaita 1.4 */
  GtkWidget *sidebar_pane;
  GtkWidget *content_pane;
  AdwHeaderBar *sidebar_header;
  AdwHeaderBar *content_header;
  SprigSidebar *sidebar;
  AdwWindowTitle *content_title;
  AdwToastOverlay *toast_overlay;
  GtkRevealer *demo_banner;
  GtkStack *main_stack;
  AdwStatusPage *empty_page;
  AdwStatusPage *loading_page;
  GtkProgressBar *load_progress;
  SprigChatView *chat_view;
  SprigModelPicker *model_picker;

  char *model_name;          /* file name of the loaded model, NULL if none */
  guint load_request;

  /* sprig-window-model.c: what the model was loaded with, to know when to reload */
  char *model_path;          /* the loaded model, NULL if none */
  char *backend;             /* SeModelInfo of the loaded model */
  char *backend_description;
  char *backend_warning;
  char *chat_family;
  guint n_ctx;               /* the n_ctx asked for, not the one granted */
  guint context_override;    /* a conversation's context length (engine n_ctx), 0: none */
  char *load_path;           /* the load in flight */
  char *load_backend;        /* the backend it named, NULL: automatic */
  guint load_n_ctx;
  char *fallback_reason;     /* why the named backend failed and automatic was tried */
  guint reload_source;
  gboolean reload_pending;   /* a setting changed while a reply was generated */

  /* sprig-window-models.c: the model library, the welcome page's download, Models */
  SprigModelManager *models;
  GtkWidget *models_window;  /* weak */
  GtkBox *welcome_box;
  GtkWidget *welcome_download;
  GtkLabel *welcome_details;
  GtkWidget *welcome_progress;

  gint64 pending_conversation;
  gint64 pending_reveal;     /* a search hit's message, shown with pending_conversation */
  gboolean closing;
};

void _sprig_window_toast         (SprigWindow *self,
                                  const char  *message);
void _sprig_window_open_model    (SprigWindow *self);
void _sprig_window_update_title  (SprigWindow *self);

/* sprig-window-model.c */
void        _sprig_window_class_init_model        (GtkWidgetClass *widget_class);
void        _sprig_window_init_model              (SprigWindow    *self);
void        _sprig_window_dispose_model           (SprigWindow    *self);
/* The backend the loaded model runs on ("cpu", "vulkan", "reference"), its description
 * (the device) and why a better one could not start; NULL when no model is loaded. */
const char *_sprig_window_get_backend             (SprigWindow    *self);
const char *_sprig_window_get_backend_description (SprigWindow    *self);
const char *_sprig_window_get_backend_warning     (SprigWindow    *self);
/* Whether the loaded model's chat template has the Qwen3 thinking switch. */
gboolean    _sprig_window_get_thinking_supported  (SprigWindow    *self);
/* The context the conversation on screen asks for (its effective settings; NULL: the
 * defaults). Reloads the model with it when it differs from the loaded one. */
void        _sprig_window_set_chat_context        (SprigWindow             *self,
                                                   const SprigChatSettings *settings);

/* sprig-window-models.c */
void               _sprig_window_class_init_models (GtkWidgetClass *widget_class);
void               _sprig_window_init_models       (SprigWindow    *self);
void               _sprig_window_dispose_models    (SprigWindow    *self);
SprigModelManager *_sprig_window_get_models        (SprigWindow    *self);
/* What a file dropped on the window or chosen with "Add GGUF File…" goes through. */
void               _sprig_window_add_model_file    (SprigWindow    *self,
                                                    GFile          *file);

/* sprig-window-settings.c */
void        _sprig_window_class_init_settings     (GtkWidgetClass *widget_class);
void        _sprig_window_init_settings           (SprigWindow    *self);
void        _sprig_window_show_chat_settings      (SprigWindow    *self);

/* sprig-window-layout.c */
void     _sprig_window_layout_class_init       (GtkWidgetClass *widget_class);
void     _sprig_window_layout_init             (SprigWindow    *self);
gboolean _sprig_window_get_sidebar_collapsed   (SprigWindow    *self);
gboolean _sprig_window_get_show_sidebar        (SprigWindow    *self);
void     _sprig_window_set_show_sidebar        (SprigWindow    *self,
                                                gboolean        show);
void     _sprig_window_conversation_chosen     (SprigWindow    *self);

G_END_DECLS
