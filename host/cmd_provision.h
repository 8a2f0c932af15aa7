/*
 * cmd_provision.h - the `provision` and `watch` commands (host/agent.h
 * command interface; docs/agent.md "provision and watch").
 */
#ifndef DM_HOST_CMD_PROVISION_H
#define DM_HOST_CMD_PROVISION_H

#include "agent.h"

int dm_cmd_provision(int argc, char **argv, dm_agent *ctx);
int dm_cmd_watch(int argc, char **argv, dm_agent *ctx);

#endif
