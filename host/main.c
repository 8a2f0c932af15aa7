/*
 * main.c - dmsc-agent: the device side of OMA DM Smart Card over PC/SC
 * (docs/agent.md).  Everything is in the host library; this only runs it.
 */
#include <stdlib.h>

#include "agent.h"

int main(int argc, char **argv)
{
	dm_agent ctx = { 0 };
	int rc = dm_agent_main(argc, argv, &ctx);

	dm_transport_close(&ctx.t);
	return rc;
}
