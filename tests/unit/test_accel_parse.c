// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The accel element parser: every attribute, the defaults, the domain
 * facts, the messages (with their lines), and hostile documents.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ioaccel.h"
#include "accel.h"
#include "accel_internal.h"

struct captured {
	int count;
	char msg[1024];
};

static struct captured cap;

static void capture(void *data, int priority, const char *msg)
{
	if (priority <= IOACCEL_LOG_ERR) {
		cap.count++;
		snprintf(cap.msg, sizeof(cap.msg), "%s", msg);
	}
}

static int setup(void **state)
{
	memset(&cap, 0, sizeof(cap));
	ioaccel_log_set_fn(capture, NULL);
	return 0;
}

static int teardown(void **state)
{
	ioaccel_log_set_fn(NULL, NULL);
	return 0;
}

/* A domain whose <metadata> holds @metadata; line 5 is its first line. */
static char *domain_xml(const char *metadata, const char *extra)
{
	char *s;

	assert_true(asprintf(&s,
			     "<domain type='qemu'>\n"
			     "  <name>vm1</name>\n"
			     "  <uuid>1b4e28ba-2fa1-11d2-883f-0016d3cca427</uuid>\n"
			     "  <metadata>\n"
			     "%s\n"
			     "  </metadata>\n"
			     "  <vcpu>2</vcpu>\n"
			     "%s"
			     "</domain>\n",
			     metadata, extra ? extra : "") > 0);
	return s;
}

static int parse(const char *xml, struct ioaccel_domain **dom)
{
	memset(&cap, 0, sizeof(cap));
	return ioaccel_domain_parse(xml, strlen(xml), "-", dom);
}

/* Parses @metadata, expects success, returns the domain. */
static struct ioaccel_domain *parse_ok(const char *metadata, const char *extra)
{
	struct ioaccel_domain *dom = NULL;
	char *xml = domain_xml(metadata, extra);
	int rc = parse(xml, &dom);

	if (rc != 0)
		fprintf(stderr, "# unexpected error: %s\n", cap.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(cap.count, 0);
	assert_non_null(dom);
	free(xml);
	return dom;
}

/* Parses @metadata, expects failure with exactly one message. */
static int parse_fail(const char *metadata, const char *extra)
{
	struct ioaccel_domain *dom = NULL;
	char *xml = domain_xml(metadata, extra);
	int rc = parse(xml, &dom);

	assert_true(rc < 0);
	assert_null(dom);
	assert_int_equal(cap.count, 1);
	free(xml);
	return rc;
}

#define ACCEL_OPEN  "<accel:accel xmlns:accel=\"urn:ioaccel:domain:1\">"
#define ACCEL_CLOSE "</accel:accel>"

static void test_minimal_element(void **state)
{
	struct ioaccel_domain *dom = parse_ok(
	    ACCEL_OPEN "<accel:vhost worker=\"shared\" polling=\"on\"/>" ACCEL_CLOSE, NULL);
	const struct ioaccel_accel *a = dom->accel;

	assert_non_null(a);
	assert_int_equal(a->line, 5);
	assert_int_equal(a->policy, IOACCEL_POLICY_PREFERRED);
	assert_int_equal(a->worker, IOACCEL_WORKER_SHARED);
	assert_int_equal(a->polling, IOACCEL_POLLING_ON);
	assert_int_equal(a->numa_node, IOACCEL_NUMA_AUTO);
	assert_int_equal(a->n_devices, 0);
	assert_false(a->exitless_delivery);
	assert_false(a->exitless_eoi);
	assert_int_equal(a->posted, IOACCEL_POSTED_OFF);
	assert_false(a->pin_assigned_irqs);
	ioaccel_domain_free(dom);
}

static void test_every_attribute(void **state)
{
	struct ioaccel_domain *dom = parse_ok(
	    "<accel:accel xmlns:accel=\"urn:ioaccel:domain:1\" policy=\"required\">\n"
	    "<accel:vhost worker=\"dedicated\" polling=\"adaptive\" numa=\"3\">\n"
	    "<accel:poll start-rate=\"20000\" stop-idle-us=\"50\"/>\n"
	    "<accel:device alias=\"ua-web\" weight=\"1000\" class=\"latency\" "
	    "max-bytes=\"65536\" max-packets=\"64\" min-bytes=\"4096\" min-packets=\"64\"/>\n"
	    "<accel:device mac=\"52:54:00:AB:cd:EF\" weight=\"1\" class=\"throughput\" "
	    "min-packets=\"1000000\"/>\n"
	    "</accel:vhost>\n"
	    "<accel:interrupts delivery=\"exitless\" eoi=\"standard\" posted=\"hardware\"/>\n"
	    "<accel:irq-affinity assigned=\"vcpu\"/>\n" ACCEL_CLOSE,
	    NULL);
	const struct ioaccel_accel *a = dom->accel;

	assert_int_equal(a->policy, IOACCEL_POLICY_REQUIRED);
	assert_int_equal(a->worker, IOACCEL_WORKER_DEDICATED);
	assert_int_equal(a->polling, IOACCEL_POLLING_ADAPTIVE);
	assert_int_equal(a->poll_start_rate, 20000);
	assert_int_equal(a->poll_stop_idle_us, 50);
	assert_int_equal(a->numa_node, 3);
	assert_int_equal(a->n_devices, 2);
	assert_string_equal(a->devices[0].alias, "ua-web");
	assert_null(a->devices[0].mac);
	assert_int_equal(a->devices[0].weight, 1000);
	assert_int_equal(a->devices[0].sched_class, IOACCEL_CLASS_LATENCY);
	assert_int_equal(a->devices[0].max_bytes, 65536);
	assert_int_equal(a->devices[0].max_packets, 64);
	assert_int_equal(a->devices[0].min_bytes, 4096);
	assert_int_equal(a->devices[0].min_packets, 64); /* equal to the maximum: allowed */
	assert_int_equal(a->devices[0].line, 8);
	assert_null(a->devices[1].alias);
	assert_string_equal(a->devices[1].mac, "52:54:00:ab:cd:ef");
	assert_int_equal(a->devices[1].weight, 1);
	assert_int_equal(a->devices[1].sched_class, IOACCEL_CLASS_THROUGHPUT);
	assert_int_equal(a->devices[1].max_bytes, 0);
	assert_int_equal(a->devices[1].max_packets, 0);
	/* A minimum without a maximum: the kernel keeps it at most the module's. */
	assert_int_equal(a->devices[1].min_bytes, 0);
	assert_int_equal(a->devices[1].min_packets, 1000000);
	assert_true(a->exitless_delivery);
	assert_false(a->exitless_eoi);
	assert_int_equal(a->posted, IOACCEL_POSTED_HARDWARE);
	assert_true(a->pin_assigned_irqs);
	ioaccel_domain_free(dom);
}

static void test_defaults(void **state)
{
	struct ioaccel_domain *dom;
	const struct ioaccel_accel *a;

	/* <vhost/>: a shared worker that polls; <interrupts/>: all exitless, auto. */
	dom = parse_ok(ACCEL_OPEN "<accel:vhost><accel:device alias=\"net0\"/></accel:vhost>"
				  "<accel:interrupts/><accel:irq-affinity/>" ACCEL_CLOSE,
		       NULL);
	a = dom->accel;
	assert_int_equal(a->worker, IOACCEL_WORKER_SHARED);
	assert_int_equal(a->polling, IOACCEL_POLLING_ON);
	assert_int_equal(a->devices[0].weight, 100);
	assert_int_equal(a->devices[0].sched_class, IOACCEL_CLASS_THROUGHPUT);
	assert_true(a->exitless_delivery);
	assert_true(a->exitless_eoi);
	assert_int_equal(a->posted, IOACCEL_POSTED_AUTO);
	assert_true(a->pin_assigned_irqs);
	ioaccel_domain_free(dom);

	/* worker="off" means polling off; eoi follows delivery. */
	dom = parse_ok(ACCEL_OPEN "<accel:vhost worker=\"off\"/>"
				  "<accel:interrupts delivery=\"standard\"/>"
				  "<accel:irq-affinity assigned=\"off\"/>" ACCEL_CLOSE,
		       NULL);
	a = dom->accel;
	assert_int_equal(a->worker, IOACCEL_WORKER_OFF);
	assert_int_equal(a->polling, IOACCEL_POLLING_OFF);
	assert_false(a->exitless_delivery);
	assert_false(a->exitless_eoi);
	assert_int_equal(a->posted, IOACCEL_POSTED_AUTO);
	assert_false(a->pin_assigned_irqs);
	ioaccel_domain_free(dom);

	/* An empty element asks for nothing. */
	dom = parse_ok(ACCEL_OPEN ACCEL_CLOSE, NULL);
	assert_int_equal(dom->accel->worker, IOACCEL_WORKER_OFF);
	assert_int_equal(dom->accel->posted, IOACCEL_POSTED_OFF);
	ioaccel_domain_free(dom);
}

static void test_default_namespace_and_blanks(void **state)
{
	struct ioaccel_domain *dom =
	    parse_ok("<accel xmlns=\"urn:ioaccel:domain:1\" policy=\" required \">"
		     "<vhost worker=\"dedicated\" numa=\" 2 \"/></accel>",
		     NULL);

	assert_int_equal(dom->accel->policy, IOACCEL_POLICY_REQUIRED);
	assert_int_equal(dom->accel->worker, IOACCEL_WORKER_DEDICATED);
	assert_int_equal(dom->accel->numa_node, 2);
	ioaccel_domain_free(dom);
}

static void test_no_element_passes_through(void **state)
{
	struct ioaccel_domain *dom =
	    parse_ok("<app:x xmlns:app=\"http://example.org/app\"><app:y/></app:x>", NULL);

	assert_null(dom->accel);
	assert_string_equal(dom->name, "vm1");
	ioaccel_domain_free(dom);
	dom = NULL;
	assert_int_equal(parse("<domain><name>bare</name></domain>", &dom), 0);
	assert_null(dom->accel);
	assert_int_equal(dom->vcpus, 1);
	assert_null(dom->vcpu_cpuset);
	assert_int_equal(dom->n_interfaces, 0);
	ioaccel_domain_free(dom);
}

static void test_domain_facts(void **state)
{
	const char *extra =
	    "  <cputune>\n"
	    "    <vcpupin vcpu='0' cpuset='4'/>\n"
	    "    <vcpupin vcpu='1' cpuset='6-7,^7'/>\n"
	    "  </cputune>\n"
	    "  <numatune><memory mode='strict' nodeset='1,0'/></numatune>\n"
	    "  <devices>\n"
	    "    <interface type='network'><mac address='52:54:00:AA:BB:CC'/>"
	    "<model type='virtio'/><alias name='net0'/></interface>\n"
	    "    <interface type='bridge'><mac address='52:54:00:00:00:02'/>"
	    "<model type='virtio'/><driver name='vhost'/></interface>\n"
	    "    <interface type='network'><model type='e1000'/></interface>\n"
	    "    <interface type='network'><model type='virtio'/><driver "
	    "name='qemu'/></interface>\n"
	    "    <interface type='vhostuser'><model type='virtio'/></interface>\n"
	    "    <interface type='hostdev'><source><address type='pci' domain='0x0000' "
	    "bus='0x5e' slot='0x10' function='0x2'/></source></interface>\n"
	    "    <hostdev mode='subsystem' type='pci'><source><address domain='0x0000' "
	    "bus='0x3b' slot='0x00' function='0x1'/></source></hostdev>\n"
	    "    <hostdev mode='subsystem' type='usb'><source><vendor "
	    "id='0x1'/></source></hostdev>\n"
	    "  </devices>\n";
	struct ioaccel_domain *dom = parse_ok("", extra);

	assert_string_equal(dom->uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
	assert_int_equal(dom->vcpus, 2);
	assert_string_equal(dom->vcpu_cpuset, "4,6");
	assert_string_equal(dom->numatune_nodeset, "0-1");
	assert_int_equal(dom->n_interfaces, 2);
	assert_string_equal(dom->interface_alias[0], "net0");
	assert_string_equal(dom->interface_mac[0], "52:54:00:aa:bb:cc");
	assert_null(dom->interface_alias[1]);
	assert_string_equal(dom->interface_mac[1], "52:54:00:00:00:02");
	assert_int_equal(dom->n_hostdevs, 2);
	assert_string_equal(dom->hostdev_addr[0], "0000:5e:10.2");
	assert_string_equal(dom->hostdev_addr[1], "0000:3b:00.1");
	ioaccel_domain_free(dom);
}

static void test_vcpu_cpuset_and_pins(void **state)
{
	struct ioaccel_domain *dom = NULL;

	/* vCPU 1 has no pin: it runs where <vcpu cpuset> says. */
	assert_int_equal(parse("<domain><name>p</name><vcpu cpuset='0-3'>2</vcpu>"
			       "<cputune><vcpupin vcpu='0' cpuset='8'/></cputune></domain>",
			       &dom),
			 0);
	assert_string_equal(dom->vcpu_cpuset, "0-3,8");
	ioaccel_domain_free(dom);
	assert_int_equal(
	    parse("<domain><name>p</name><vcpu cpuset='0-3,^1'>2</vcpu></domain>", &dom), 0);
	assert_string_equal(dom->vcpu_cpuset, "0,2-3");
	ioaccel_domain_free(dom);
	assert_int_equal(parse("<domain><name>p</name><vcpu cpuset='3-1'>2</vcpu></domain>", &dom),
			 -EINVAL);
	assert_string_equal(cap.msg,
			    "domain 'p': <vcpu> at line 1: cpuset='3-1' is not a valid "
			    "CPU list; write numbers and ranges below 8192 such as 0-3,8.");
	assert_int_equal(parse("<domain><name>p</name><vcpu>2</vcpu><cputune>"
			       "<vcpupin vcpu='2' cpuset='1'/></cputune></domain>",
			       &dom),
			 -EINVAL);
	assert_string_equal(cap.msg, "domain 'p': <vcpupin> at line 1: vcpu='2' is not a vCPU of "
				     "this domain; write a number from 0 to 1.");
}

static void test_domstatus_wrapper(void **state)
{
	struct ioaccel_domain *dom = NULL;

	assert_int_equal(
	    parse("<domstatus state='running'><domain><name>s</name><metadata>" ACCEL_OPEN
		  "<accel:vhost/>" ACCEL_CLOSE "</metadata></domain></domstatus>",
		  &dom),
	    0);
	assert_string_equal(dom->name, "s");
	assert_non_null(dom->accel);
	ioaccel_domain_free(dom);
}

static void test_worker_bogus_message(void **state)
{
	parse_fail(ACCEL_OPEN "\n<accel:vhost worker=\"bogus\"/>\n" ACCEL_CLOSE, NULL);
	assert_string_equal(cap.msg, "domain 'vm1': <accel:vhost> at line 6: worker='bogus' is "
				     "not valid; allowed: shared, dedicated, off.");
}

struct error_case {
	const char *metadata;
	const char *message;
};

static void test_error_messages(void **state)
{
	static const struct error_case cases[] = {
	    {ACCEL_OPEN "<accel:vhost polling=\"always\"/>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:vhost> at line 5: polling='always' is not valid; allowed: "
	     "on, off, adaptive."},
	    {ACCEL_OPEN "<accel:vhost numa=\"-1\"/>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:vhost> at line 5: numa='-1' is not valid; allowed: auto, a "
	     "NUMA node number from 0 to 1023."},
	    {ACCEL_OPEN "<accel:vhost>\n<accel:poll start-rate=\"0\"/></accel:vhost>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:poll> at line 6: start-rate='0' is not valid; allowed: an "
	     "integer from 1 to 10000000."},
	    {ACCEL_OPEN "<accel:vhost><accel:device alias=\"a b\"/></accel:vhost>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:device> at line 5: alias='a b' is not valid; allowed: a "
	     "libvirt device alias such as net0 or ua-web (letters, digits, '-' and '_', at "
	     "most 64)."},
	    {ACCEL_OPEN
	     "<accel:vhost><accel:device alias=\"x\" max-bytes=\"1e6\"/></accel:vhost>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:device> at line 5: max-bytes='1e6' is not valid; allowed: an "
	     "integer from 1 to 1073741824."},
	    {ACCEL_OPEN
	     "<accel:vhost><accel:device alias=\"x\" max-packets=\"0\"/></accel:vhost>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:device> at line 5: max-packets='0' is not valid; allowed: an "
	     "integer from 1 to 1000000."},
	    {ACCEL_OPEN
	     "<accel:vhost><accel:device alias=\"x\" min-packets=\"0\"/></accel:vhost>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:device> at line 5: min-packets='0' is not valid; allowed: an "
	     "integer from 1 to 1000000."},
	    {ACCEL_OPEN "<accel:vhost><accel:device alias=\"x\" min-bytes=\"1073741825\"/>"
			"</accel:vhost>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:device> at line 5: min-bytes='1073741825' is not valid; "
	     "allowed: an integer from 1 to 1073741824."},
	    {ACCEL_OPEN "<accel:vhost>\n<accel:device alias=\"a\"/>\n<accel:device alias=\"b\" "
			"max-packets=\"32\" min-packets=\"33\"/></accel:vhost>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:device> at line 7: min-packets='33' is more than "
	     "max-packets='32'; a turn ends at the maximum, so use min-packets at most 32 or "
	     "raise max-packets."},
	    {ACCEL_OPEN "<accel:vhost>\n<accel:device mac=\"52:54:00:6b:3c:58\" "
			"min-bytes=\"65537\" max-bytes=\"65536\"/></accel:vhost>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:device> at line 6: min-bytes='65537' is more than "
	     "max-bytes='65536'; a turn ends at the maximum, so use min-bytes at most 65536 "
	     "or raise max-bytes."},
	    {ACCEL_OPEN "<accel:interrupts delivery=\"fast\"/>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:interrupts> at line 5: delivery='fast' is not valid; "
	     "allowed: exitless, standard."},
	    {ACCEL_OPEN "<accel:interrupts posted=\"yes\"/>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:interrupts> at line 5: posted='yes' is not valid; allowed: "
	     "pv, hardware, auto, off."},
	    {ACCEL_OPEN "<accel:interrupts eoi=\"exitless\" delivery=\"standard\"/>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:interrupts> at line 5: eoi='exitless' needs "
	     "delivery='exitless' (the guest can complete only interrupts delivered to it "
	     "directly); use delivery='exitless' or eoi='standard'."},
	    {"<accel:accel xmlns:accel=\"urn:ioaccel:domain:1\" xmlns:x=\"urn:x\" x:y=\"1\"/>",
	     "domain 'vm1': <accel:accel> at line 5: attribute 'x:y' is not allowed; allowed "
	     "attributes: policy."},
	    {ACCEL_OPEN "<accel:irq-affinity><accel:vhost/></accel:irq-affinity>" ACCEL_CLOSE,
	     "domain 'vm1': <accel:vhost> at line 5: not allowed: <accel:irq-affinity> takes "
	     "no child elements."},
	    {ACCEL_OPEN "<x:vhost xmlns:x=\"urn:other\"/>" ACCEL_CLOSE,
	     "domain 'vm1': <vhost> at line 5: this element is in namespace 'urn:other', not "
	     "in urn:ioaccel:domain:1; it cannot appear inside the accel element."},
	    {ACCEL_OPEN "<vhost/>" ACCEL_CLOSE,
	     "domain 'vm1': <vhost> at line 5: this element has no namespace; write it as "
	     "<accel:vhost>, in namespace urn:ioaccel:domain:1 like its parent."},
	    {ACCEL_OPEN ACCEL_CLOSE "\n" ACCEL_OPEN ACCEL_CLOSE,
	     "domain 'vm1': <accel:accel> at line 6: <metadata> already has an element in "
	     "namespace urn:ioaccel:domain:1 at line 5, and libvirt keeps one element per "
	     "namespace; merge them into one <accel:accel>."},
	    {"<accel:accel xmlns:accel=\"urn:ioaccel:domain:9\"/>",
	     "domain 'vm1': <accel> at line 5: namespace 'urn:ioaccel:domain:9' is not known "
	     "to ioaccel " PACKAGE_VERSION "; use urn:ioaccel:domain:1."},
	    {"<accel><vhost/></accel>",
	     "domain 'vm1': <accel> at line 5: this element has no namespace, and libvirt "
	     "drops such elements from <metadata>; write it as <accel:accel "
	     "xmlns:accel=\"urn:ioaccel:domain:1\">."},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_fail(cases[i].metadata, NULL);
		if (strcmp(cap.msg, cases[i].message) != 0)
			fprintf(stderr, "# case %zu\n", i);
		assert_string_equal(cap.msg, cases[i].message);
	}
	/* Every fault was explained from the schema, none by libxml2's words. */
	assert_int_equal(ioaccel_accel_schema_unexplained, 0);
}

/* The classic billion laughs: refused at the DOCTYPE, nothing expanded. */
static void test_entity_expansion_attack(void **state)
{
	struct ioaccel_domain *dom = NULL;
	const char *xml =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE domain [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	    "]>\n"
	    "<domain><name>&lol9;</name></domain>\n";

	assert_int_equal(parse(xml, &dom), -EINVAL);
	assert_null(dom);
	assert_int_equal(cap.count, 1);
	assert_string_equal(
	    cap.msg, "domain XML from standard input: line 2: a DOCTYPE declaration is not "
		     "accepted (it can declare entities and load external files, and libvirt "
		     "never writes one); remove it.");
}

static void test_external_entity_is_not_read(void **state)
{
	struct ioaccel_domain *dom = NULL;
	const char *xml = "<!DOCTYPE domain [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
			  "<domain><name>&x;</name></domain>\n";
	const char *external_dtd = "<!DOCTYPE domain SYSTEM \"file:///etc/passwd\">\n"
				   "<domain><name>x</name></domain>\n";

	assert_int_equal(parse(xml, &dom), -EINVAL);
	assert_null(strstr(cap.msg, "root:"));
	assert_non_null(strstr(cap.msg, "DOCTYPE"));
	assert_int_equal(parse(external_dtd, &dom), -EINVAL);
	assert_null(strstr(cap.msg, "root:"));
	assert_non_null(strstr(cap.msg, "DOCTYPE"));
	/* Undeclared entity references are plain well-formedness errors. */
	assert_int_equal(parse("<domain><name>&x;</name></domain>", &dom), -EINVAL);
	assert_non_null(strstr(cap.msg, "is not well-formed XML: line 1:"));
}

static void test_doctype_without_subset(void **state)
{
	struct ioaccel_domain *dom = NULL;

	assert_int_equal(parse("<!DOCTYPE domain>\n<domain><name>d</name></domain>", &dom),
			 -EINVAL);
	assert_non_null(strstr(cap.msg, "line 1: a DOCTYPE declaration is not accepted"));
}

static void test_xinclude_is_refused(void **state)
{
	parse_fail("<x:any xmlns:x=\"urn:x\">\n"
		   "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" "
		   "href=\"/etc/passwd\" parse=\"text\"/></x:any>",
		   NULL);
	assert_string_equal(cap.msg, "domain XML from standard input: line 6: XInclude "
				     "(<xi:include>) is not accepted; domain XML must be "
				     "self-contained, write the content in place.");
	parse_fail(ACCEL_OPEN "<xi:include xmlns:xi=\"http://www.w3.org/2003/XInclude\" "
			      "href=\"x.xml\"/>" ACCEL_CLOSE,
		   NULL);
	assert_non_null(strstr(cap.msg, "XInclude (<xi:include>) is not accepted"));
}

static void test_huge_document(void **state)
{
	struct ioaccel_domain *dom = NULL;
	size_t size = IOACCEL_XML_MAX_BYTES + 1;
	const char *head = "<domain><name>big</name><!--";
	const char *tail = "--></domain>";
	char *xml = malloc(size + 1);

	assert_non_null(xml);
	memset(xml, 'x', size);
	memcpy(xml, head, strlen(head));
	memcpy(xml + size - strlen(tail), tail, strlen(tail));
	xml[size] = '\0';
	assert_int_equal(ioaccel_domain_parse(xml, size, "big.xml", &dom), -EFBIG);
	assert_string_equal(cap.msg, "domain XML from 'big.xml' is 1048577 bytes; the most "
				     "accepted is 1048576 bytes (1 MiB).");
	/* One byte less fits. */
	memmove(xml + size - 1 - strlen(tail), tail, strlen(tail) + 1);
	assert_int_equal(ioaccel_domain_parse(xml, size - 1, "big.xml", &dom), 0);
	ioaccel_domain_free(dom);
	free(xml);
}

static void test_deep_nesting(void **state)
{
	struct ioaccel_domain *dom = NULL;
	char *xml, *p;
	int depth = 100000, i;

	xml = malloc((size_t)depth * 8 + 64);
	assert_non_null(xml);
	p = xml + sprintf(xml, "<domain><name>deep</name>");
	for (i = 0; i < depth; i++)
		p += sprintf(p, "<a>");
	for (i = 0; i < depth; i++)
		p += sprintf(p, "</a>");
	sprintf(p, "</domain>");
	assert_int_equal(parse(xml, &dom), -EINVAL);
	assert_string_equal(cap.msg, "domain XML from standard input: line 1: <a> is nested 65 "
				     "elements deep; the most accepted is 64.");
	free(xml);
}

static void test_bad_utf8(void **state)
{
	static const char *const bad[] = {
	    "<domain><name>\xff</name></domain>",
	    "<domain><name>\xc0\xaf</name></domain>",	      /* overlong '/' */
	    "<domain><name>\xed\xa0\x80</name></domain>",     /* surrogate */
	    "<domain><name>\xf4\x90\x80\x80</name></domain>", /* past U+10FFFF */
	    "<domain><name>\xe2\x82</name></domain>",	      /* truncated */
	};
	struct ioaccel_domain *dom = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &dom), -EILSEQ);
		assert_non_null(strstr(cap.msg, "at offset 14 is not valid UTF-8; domain XML "
						"must be UTF-8."));
	}
	assert_int_equal(parse("<domain>\n<name>caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x9a\x80</name>"
			       "</domain>",
			       &dom),
			 0);
	assert_string_equal(dom->name, "caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x9a\x80");
	ioaccel_domain_free(dom);
	assert_int_equal(parse("<?xml version='1.0' encoding='ISO-8859-1'?><domain><name>l"
			       "</name></domain>",
			       &dom),
			 -EINVAL);
	assert_string_equal(cap.msg, "domain XML from standard input declares encoding "
				     "'ISO-8859-1'; domain XML must be UTF-8.");
}

static void test_not_a_domain(void **state)
{
	struct ioaccel_domain *dom = NULL;

	assert_int_equal(parse("<network><name>n</name></network>", &dom), -EINVAL);
	assert_string_equal(cap.msg, "domain XML from standard input: the root element is "
				     "<network> at line 1; a libvirt domain XML document has "
				     "<domain>.");
	assert_int_equal(parse("<domain>\n<name>x</name>\n</domomain>", &dom), -EINVAL);
	assert_non_null(strstr(cap.msg, "domain XML from standard input is not well-formed XML: "
					"line 3: Opening and ending tag mismatch"));
	assert_null(strchr(cap.msg, '\n'));
	assert_int_equal(parse("<domain><vcpu>2</vcpu></domain>", &dom), -EINVAL);
	assert_string_equal(cap.msg, "domain XML from standard input: <domain> at line 1 has no "
				     "<name>; libvirt requires one.");
	/* A forgotten xmlns:accel would make libvirt drop the element. */
	assert_int_equal(parse("<domain><name>x</name><metadata>\n<accel:accel><accel:vhost/>"
			       "</accel:accel></metadata></domain>",
			       &dom),
			 -EINVAL);
	assert_string_equal(cap.msg, "domain XML from standard input is not well-formed XML: "
				     "line 2: Namespace prefix accel on accel is not defined.");
	assert_int_equal(parse("", &dom), -EINVAL);
	assert_string_equal(cap.msg, "domain XML from standard input is empty; expected a "
				     "libvirt domain XML document.");
}

/* Values quoted from the document never break the message's single line. */
static void test_messages_stay_on_one_line(void **state)
{
	struct ioaccel_domain *dom = NULL;

	parse_fail(ACCEL_OPEN "<accel:vhost worker=\"a&#10;b&#9;c\"/>" ACCEL_CLOSE, NULL);
	assert_string_equal(cap.msg, "domain 'vm1': <accel:vhost> at line 5: worker='a b c' is "
				     "not valid; allowed: shared, dedicated, off.");
	assert_int_equal(parse("<domain><name>n&#10;l</name><vcpu>\n2\nx\n</vcpu></domain>", &dom),
			 -EINVAL);
	assert_string_equal(cap.msg, "domain 'n?l': <vcpu> at line 1: '2 x' is not a vCPU "
				     "count; write a number from 1 to 16384.");
}

/* libxml2 must not print anything itself: our one message is the output. */
static void test_nothing_printed_to_stderr(void **state)
{
	struct ioaccel_domain *dom = NULL;
	char tmpl[] = "/tmp/ioaccel-stderr-XXXXXX";
	int fd = mkstemp(tmpl), saved = dup(STDERR_FILENO);
	off_t size;

	assert_true(fd >= 0 && saved >= 0);
	unlink(tmpl);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	parse("<domain><name>x</name></dom>", &dom);
	parse("<domain><name>x</name><metadata>" ACCEL_OPEN "<accel:vhost worker='x'/>"
	      "<accel:interrupts posted='bad'/>" ACCEL_CLOSE "</metadata></domain>",
	      &dom);
	parse("<!DOCTYPE d [<!ENTITY a 'b'>]><domain/>", &dom);
	parse("<domain><name>\xff</name></domain>", &dom);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	size = lseek(fd, 0, SEEK_END);
	close(fd);
	assert_int_equal(size, 0);
}

static void test_file_input(void **state)
{
	struct ioaccel_domain *dom = NULL;
	char path[] = "/tmp/ioaccel-domain-XXXXXX";
	const char *xml = "<domain><name>f</name><metadata>" ACCEL_OPEN "<accel:vhost/>" ACCEL_CLOSE
			  "</metadata></domain>";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
	close(fd);
	assert_int_equal(ioaccel_domain_parse_file(path, &dom), 0);
	assert_int_equal(dom->accel->worker, IOACCEL_WORKER_SHARED);
	ioaccel_domain_free(dom);
	unlink(path);
	assert_int_equal(ioaccel_domain_parse_file(path, &dom), -ENOENT);
	assert_non_null(strstr(cap.msg, ": No such file or directory."));
}

/* The names in accel_names.c are the schema's values. */
static void test_names_match_schema(void **state)
{
	char value[64];
	int i;

#define CHECK_NAME(fn, from, v)                                                                    \
	do {                                                                                       \
		snprintf(value, sizeof(value), "<value>%s</value>", fn(v));                        \
		assert_non_null(strstr(ioaccel_accel_rng, value));                                 \
		assert_int_equal(from(fn(v)), (int)(v));                                           \
	} while (0)
	for (i = IOACCEL_POLICY_PREFERRED; i <= IOACCEL_POLICY_REQUIRED; i++)
		CHECK_NAME(ioaccel_policy_name, ioaccel_policy_from_name, i);
	for (i = IOACCEL_WORKER_OFF; i <= IOACCEL_WORKER_DEDICATED; i++)
		CHECK_NAME(ioaccel_worker_mode_name, ioaccel_worker_mode_from_name, i);
	for (i = IOACCEL_POLLING_OFF; i <= IOACCEL_POLLING_ADAPTIVE; i++)
		CHECK_NAME(ioaccel_polling_name, ioaccel_polling_from_name, i);
	for (i = IOACCEL_CLASS_THROUGHPUT; i <= IOACCEL_CLASS_LATENCY; i++)
		CHECK_NAME(ioaccel_sched_class_name, ioaccel_sched_class_from_name, i);
	for (i = IOACCEL_POSTED_OFF; i <= IOACCEL_POSTED_HARDWARE; i++)
		CHECK_NAME(ioaccel_posted_mode_name, ioaccel_posted_mode_from_name, i);
#undef CHECK_NAME
	assert_string_equal(ioaccel_worker_mode_name((enum ioaccel_worker_mode)99), "unknown");
	assert_int_equal(ioaccel_polling_from_name("sometimes"), -EINVAL);
	assert_int_equal(ioaccel_polling_from_name(NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_minimal_element, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_attribute, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_namespace_and_blanks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_element_passes_through, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_domain_facts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vcpu_cpuset_and_pins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_domstatus_wrapper, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_worker_bogus_message, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_error_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_entity_expansion_attack, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_external_entity_is_not_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_doctype_without_subset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xinclude_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_huge_document, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_utf8, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_domain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_messages_stay_on_one_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nothing_printed_to_stderr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_input, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_names_match_schema, setup, teardown),
	};

	return cmocka_run_group_tests_name("accel_parse", tests, NULL, NULL);
}
