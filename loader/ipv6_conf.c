// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "ipv6_conf.h"

struct conf_job {
	int netns_fd;
	const char *ifname;
	bool disable;
	int err;      /* errno, 0 */
	bool setns_failed;
};

static void conf_write(struct conf_job *j)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", j->ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		j->err = errno;
		return;
	}
	if (write(fd, j->disable ? "1\n" : "0\n", 2) != 2)
		j->err = errno ? errno : EIO;
	close(fd);
}

/* The thread enters the namespace and ends: the process stays where it is. */
static void *conf_thread(void *arg)
{
	struct conf_job *j = arg;

	if (setns(j->netns_fd, CLONE_NEWNET)) {
		j->err = errno;
		j->setns_failed = true;
		return NULL;
	}
	conf_write(j);
	return NULL;
}

int ipv6_conf_disable(int netns_fd, const char *ifname, bool disable)
{
	struct conf_job j = { .netns_fd = netns_fd, .ifname = ifname, .disable = disable };
	pthread_t t;
	int err;

	if (netns_fd < 0) {
		conf_write(&j);
	} else {
		err = pthread_create(&t, NULL, conf_thread, &j);
		if (err)
			return ateom_fail("cannot start a thread: %s", strerror(err));
		pthread_join(t, NULL);
	}
	if (j.err == ENOENT && !j.setns_failed)
		return 1;
	if (j.err)
		return ateom_fail("cannot %s IPv6 on %s (net.ipv6.conf.%s.disable_ipv6%s): %s",
				  disable ? "disable" : "enable", ifname, ifname,
				  j.setns_failed ? ", entering the actor netns" : "",
				  strerror(j.err));
	return 0;
}
