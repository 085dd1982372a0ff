/*
 * evidence: what a case leaves behind for a person - the timeline, the
 * ladder page, ss snapshots, counter deltas, sysctls, rulesets, conntrack
 * tables, pcaps - and, with --keep, its namespaces pinned in /run/netns.
 */
#ifndef NETCASE_EVIDENCE_H
#define NETCASE_EVIDENCE_H

#include "run.h"

/* A new file of the case's evidence folder, made through the folder's
 * descriptor (safefs.h), for writing; NULL after saying why on r->out. */
FILE *evidence_fopen(struct run *r, const char *name);

/* Write one file of the case's evidence folder. */
void evidence_file(struct run *r, const char *name, const char *text, size_t len);

/* Write everything into the case's evidence folder. */
void evidence_write(struct run *r);

/* Pin every host's namespace as /run/netns/netcase-RUN-HOST. */
void evidence_keep(struct run *r);

/* What the namespaces inherit that changes TCP's behaviour - the default
 * congestion control - into sysctl.txt, and into the result when it is not
 * the kernel's built-in cubic and the case chose none (the report notes it). */
void evidence_inherited(struct run *r);

#endif
