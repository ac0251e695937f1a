/* SPDX-License-Identifier: Apache-2.0
 *
 * The engine's error domain. Every engine function that can fail for a reason a
 * user should read reports it as a GError in SE_ERROR with one of these codes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SE_ERROR (se_error_quark ())

typedef enum
{
  SE_ERROR_FAILED,       /* anything not covered below */
  SE_ERROR_IO,           /* open/read/mmap failed */
  SE_ERROR_INVALID,      /* malformed content: a field holds an impossible value */
  SE_ERROR_TRUNCATED,    /* the data ends before a field it announces */
  SE_ERROR_UNSUPPORTED,  /* well-formed, but the engine cannot run it (type, arch, version) */
  SE_ERROR_NOT_FOUND,    /* a required key, tensor or token is missing */
  SE_ERROR_WRONG_TYPE,   /* a key exists with another value type */
  SE_ERROR_PLUGIN,       /* a plugin could not be loaded or was refused */
  SE_ERROR_TOKENIZER,    /* vocabulary / merges / pre-tokenizer problems */
  SE_ERROR_TEMPLATE,     /* chat template problems */
} SeError;

GQuark se_error_quark (void);

G_END_DECLS
