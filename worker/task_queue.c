/* The SA's queue of initiator tasks and its window of one (task.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "worker/engine.h"
#include "worker/task.h"

const struct task_ops *task_ops_of(enum task_kind k)
{
	switch (k) {
	case TASK_INIT: return &task_init_ops;
	case TASK_AUTH: return &task_auth_ops;
	case TASK_CHILD: return &task_child_ops;
	case TASK_CHILD_REKEY: return &task_child_rekey_ops;
	case TASK_IKE_REKEY: return &task_ike_rekey_ops;
	case TASK_DPD: return &task_dpd_ops;
	case TASK_DELETE: return &task_delete_ops;
	case TASK_CHILD_DELETE: return &task_child_delete_ops;
	case TASK_MOBIKE_UPDATE: return &task_mobike_update_ops;
	case TASK_MOBIKE_CHECK: return &task_mobike_check_ops;
	case TASK_MOBIKE_ADDRLIST: return &task_mobike_addrlist_ops;
	default: return NULL;
	}
}

bool sa_task_pending(const struct ikesa *sa, enum task_kind k)
{
	if (sa->exch.req.busy && sa->exch.req.task == k)
		return true;
	for (unsigned i = 0; i < sa->taskq_n; i++)
		if (sa->taskq[i] == k)
			return true;
	return false;
}

int sa_queue_task(struct ikesa *sa, enum task_kind k, int arg)
{
	if (sa->taskq_n >= SA_TASKQ)
		return -ENOSPC;
	if (k == TASK_DELETE) {
		/* Deleting the IKE SA makes every other queued task moot. */
		sa->taskq_n = 0;
	}
	sa->taskq[sa->taskq_n] = (uint8_t)k;
	sa->taskq_arg[sa->taskq_n] = arg;
	sa->taskq_n++;
	sa_kick(sa);
	return 0;
}

int task_start(struct ikesa *sa, enum task_kind k)
{
	const struct task_ops *ops = task_ops_of(k);
	struct msg_out *m;
	const uint8_t *pkt;
	size_t len;
	int rc;
	if (!ops)
		return -EINVAL;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	msg_begin(sa, m, ops->exchange, false, 0, ops->exchange != IKE_EXCH_SA_INIT);
	rc = ops->build_req(sa, m);
	if (rc == 0)
		rc = msg_finish(sa, m, &pkt, &len);
	if (rc == 0)
		rc = exch_send_request(sa, (uint8_t)k, pkt, len);
	free(m);
	return rc;
}

void sa_kick(struct ikesa *sa)
{
	while (!sa->exch.req.busy && sa->taskq_n && sa->state != IKE_S_CLOSED) {
		enum task_kind k = sa->taskq[0];
		sa->task_arg = sa->taskq_arg[0];
		sa->taskq_n--;
		memmove(sa->taskq, sa->taskq + 1, sa->taskq_n);
		memmove(sa->taskq_arg, sa->taskq_arg + 1, sa->taskq_n * sizeof(int));
		int rc = task_start(sa, k);
		if (rc == -ECANCELED)
			continue; /* overtaken (e.g. the peer rekeyed it first) */
		if (rc < 0) {
			wlog_event(&sa->eng->log, WLOG_ERROR, sa->tunnel, ikesa_our_spi(sa),
				   "task.start.fail", "task=%s rc=%d", task_ops_of(k) ?
				   task_ops_of(k)->name : "?", rc);
			engine_sa_fail(sa, "task could not start");
			return;
		}
	}
}
