/*
 * pve-meta.h - ctgate's metadata on a Proxmox CT: tags and a description block.
 *
 * Proxmox has no user.* keys like LXD; a CT's free-text description (its
 * "Notes" in Proxmox's UI) carries ctgate's metadata as a block the agent
 * writes at the clone and parses back in get and list:
 *
 *   ctgate-metadata-v1
 *   owner=alice
 *   request_id=...
 *   template=debian-12
 *   created=2026-12-01T06:00:00Z
 *   expires=...          (only when it expires)
 *   description=...      (only when create --description gave one)
 *   ctgate-metadata-end
 *
 * Parsing is strict: exactly one begin marker in the whole text, nothing
 * but blanks after the end marker, each key once, every value valid as the
 * agent validated it when it wrote it (the description is one line of
 * validate_text: it cannot hold a line of its own).  Anything else is not
 * ctgate metadata (managed = false): nobody owns the CT.
 *
 * Tags (for people in Proxmox's UI, and list's filter): "ctgate", the owner
 * and the template, each as Proxmox normalises tags ([a-z0-9_][a-z0-9_+.-]*,
 * lowercase), sorted, deduplicated, joined with ';' as Proxmox stores them.
 * Tags are never the ownership record: the block is.
 *
 * Pure functions over strings; no allocation.
 */
#ifndef CTGATE_PVE_META_H
#define CTGATE_PVE_META_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"

#define PVE_TAG "ctgate"
#define PVE_META_MAX 1024
#define PVE_TAGS_MAX 256

/* One tag as Proxmox would store it; "" when nothing of it is left. */
void pve_tag_normalise(const char *in, char *out, size_t len);
/* "ctgate;OWNER;TEMPLATE", normalised, sorted and deduplicated. */
void pve_tags_make(const char *owner, const char *template_name, char *out, size_t len);
/* Whether the tag list (separated by ';', ',' or blanks) holds tag. */
bool pve_tags_has(const char *tags, const char *tag);
/* The description block for a create; false when it does not fit in len. */
bool pve_meta_format(const struct backend_create *a, char *out, size_t len);
/*
 * Fill out's owner, request_id, template_name, created, expires, description
 * and managed from a CT's description; every field "" and managed false
 * when it holds no valid block.  Other fields are left as they are.
 */
bool pve_meta_parse(const char *text, struct backend_instance *out);

#endif
