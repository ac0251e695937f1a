/* SPDX-License-Identifier: Apache-2.0
 *
 * Shared by the engine, backend and app tests: writes a tiny model with
 * `$SPRIG_CLI mkmodel` (the test's meson entry sets SPRIG_CLI).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes DIR/NAME with `sprig-cli mkmodel DIR/NAME ARGS...` unless it exists already,
 * failing the test when the CLI fails; returns the path (free it). */
char *sprig_test_make_model (const char        *dir,
                             const char        *name,
                             const char *const *args);

G_END_DECLS
