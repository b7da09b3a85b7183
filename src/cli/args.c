/*
 * cli/args.c - the option values several commands share: the vPMU as
 * KIND[:POLICY] (a policy only for the mediated kind; irqoff by default)
 * and the PMI route.
 */
#include <string.h>

#include "cli/cli.h"

int cli__parse_vpmu(const char *s, const struct kvm_vpmu_ops **kind,
		    const struct kvm_policy_ops **policy)
{
	char name[32];
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (n >= sizeof(name))
		return -1;
	memcpy(name, s, n);
	name[n] = 0;
	*kind = kvm_vpmu__by_name(name);
	*policy = kvm_policy__by_name(colon ? colon + 1 : "irqoff");
	return !*kind || !*policy || (colon && !(*kind)->is_mediated) ? -1 : 0;
}

int cli__parse_route(const char *s, enum kvm_pmi_route *route)
{
	if (strcmp(s, "vector") && strcmp(s, "nmi"))
		return -1;
	*route = !strcmp(s, "nmi") ? PMI_ROUTE_NMI : PMI_ROUTE_VECTOR;
	return 0;
}
