/*
 * Gratuitous ARP for a container's new address. Neutron's MACs are random per port, so a
 * server that gets the address of one just deleted has a new MAC behind an old address: every
 * neighbour cache on the bridge (the host's, other servers') still holds the old MAC as
 * REACHABLE and sends into the void for up to ~45 s. A VM announces itself when its NIC
 * comes up; here the host does it for the container, on the bridge, before its process runs.
 * An ARP request whose sender and target are the address updates existing cache entries
 * everywhere (arp_accept only governs creating new ones).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "sys.h"

static int parse_mac(const char *text, unsigned char mac[6]) {
  unsigned int b[6];
  char tail;
  if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6) return -1;
  for (int i = 0; i < 6; i++) mac[i] = (unsigned char)b[i];
  return 0;
}

/* Sends one broadcast ARP request "who has ADDR tell ADDR" from MAC out of `ifname`; -1 with errno on failure. */
static int announce(const char *ifname, const char *address, const char *mac_text) {
  struct ether_arp arp;
  memset(&arp, 0, sizeof arp);
  unsigned char mac[6];
  struct in_addr ip;
  if (parse_mac(mac_text, mac) != 0 || inet_pton(AF_INET, address, &ip) != 1) return errno = EINVAL, -1;
  unsigned int index = if_nametoindex(ifname);
  if (index == 0) return -1;
  arp.arp_hrd = htons(ARPHRD_ETHER);
  arp.arp_pro = htons(ETHERTYPE_IP);
  arp.arp_hln = 6;
  arp.arp_pln = 4;
  arp.arp_op = htons(ARPOP_REQUEST);
  memcpy(arp.arp_sha, mac, 6);
  memcpy(arp.arp_spa, &ip, 4);
  memcpy(arp.arp_tpa, &ip, 4);
  /*
   * One socket for the process's life: closing a packet socket waits for an RCU grace period
   * (tens of ms, on the event loop). Protocol 0: it receives nothing, only sends. SOCK_DGRAM:
   * the kernel writes the Ethernet header, from the bridge's own MAC; receivers take the
   * sender from the ARP body.
   */
  static int fd = -1;
  if (fd < 0 && (fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) return -1;
  struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP), .sll_ifindex = (int)index, .sll_halen = 6};
  memset(to.sll_addr, 0xff, 6);
  ssize_t sent = sendto(fd, &arp, sizeof arp, 0, (struct sockaddr *)&to, sizeof to);
  return sent == (ssize_t)sizeof arp ? 0 : -1;
}

/* announceAddress(ifname, address, mac): sends the gratuitous ARP; throws on failure. */
napi_value js_announce_address(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  char *ifname = get_string(env, argv[0]);
  char *address = ifname ? get_string(env, argv[1]) : NULL;
  char *mac = address ? get_string(env, argv[2]) : NULL;
  napi_value result = NULL;
  if (mac) {
    if (announce(ifname, address, mac) != 0) throw_errno(env, "announce address", ifname, errno);
    else napi_get_undefined(env, &result);
  }
  free(ifname), free(address), free(mac);
  return result;
}
