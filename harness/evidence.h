/*
 * evidence: what a case leaves behind for a person - the timeline, the
 * ladder page, ss snapshots, counter deltas, sysctls, rulesets, conntrack
 * tables, pcaps - and, with --keep, its namespaces pinned in /run/netns.
 */
#ifndef NETCASE_EVIDENCE_H
#define NETCASE_EVIDENCE_H

#include "run.h"

/* mkdir -p; 0 or -errno. */
int evidence_mkdirs(const char *path);

/* Remove the files of a folder and the folder. */
void evidence_rmtree(const char *path);

/* Write one file of the case's evidence folder. */
void evidence_file(struct run *r, const char *name, const char *text, size_t len);

/* Write everything into the case's evidence folder. */
void evidence_write(struct run *r);

/* Pin every host's namespace as /run/netns/netcase-RUN-HOST. */
void evidence_keep(struct run *r);

#endif
