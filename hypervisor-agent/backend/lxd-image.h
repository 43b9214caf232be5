/*
 * lxd-image.h - the LXD backend's images: built templates packed as LXD
 * unified tarballs (metadata.yaml, templates/, rootfs/, uncompressed),
 * uploaded through POST /1.0/images and named by an alias.
 *
 * ctgate's own images carry the properties ctgate.template, ctgate.inputs
 * and ctgate.built (from metadata.yaml); that is how a rebuild knows its
 * inputs did not change and how `templates` knows when an image was built.
 * Both functions are the backend_ops hooks of the same names (backend.h).
 */
#ifndef CTGATE_LXD_IMAGE_H
#define CTGATE_LXD_IMAGE_H

#include "backend.h"
#include "lxd-client.h"

enum ct_err lxd_image_info(struct lxd *lxd, const char *alias, struct backend_image *out,
                           struct ct_error *err);
enum ct_err lxd_image_import(struct lxd *lxd, const char *alias,
                             const struct backend_image_source *src, struct backend_image *out,
                             struct ct_error *err);

#endif
