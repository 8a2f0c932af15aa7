/*
 * cmd_tree.h - the `tree show|get|export` commands of dmsc-agent: the
 * device's DM tree (dmtree.h), one node with its properties and
 * provenance, or a subtree as TNDS (tnds.h).  Needs no card.
 */
#ifndef DM_HOST_CMD_TREE_H
#define DM_HOST_CMD_TREE_H

#include "agent.h"

int dm_cmd_tree(int argc, char **argv, dm_agent *ctx);

#endif
