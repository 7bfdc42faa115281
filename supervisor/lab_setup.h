/* The lab's two setup files: the shipped conf/examples/lab-client.yaml and
 * lab-gateway.yaml (built in, lab_examples.c) with the tunnel count and the
 * running time put in. */
#ifndef IKESWARM_SUPERVISOR_LAB_SETUP_H
#define IKESWARM_SUPERVISOR_LAB_SETUP_H

extern const char lab_client_yaml[];
extern const char lab_gateway_yaml[];

/* tmpl with the values of its top-level `numberoftunnels:` and
 * `runningtime:` lines replaced by tunnels and runningtime_s ("30s"; 0 =
 * until stopped).  Each key must start exactly one line of tmpl.  Returns a
 * malloc'd string, or NULL (errno EINVAL: a key missing or repeated;
 * ENOMEM). */
char *lab_setup_render(const char *tmpl, long tunnels, long runningtime_s);

/* lab_setup_render() written to path (created 0600).  0 or -errno. */
int lab_setup_write(const char *tmpl, const char *path, long tunnels, long runningtime_s);

#endif
