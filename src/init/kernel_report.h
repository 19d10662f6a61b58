// What vigil-init tells the console about the kernel it runs on, before the target starts:
// whether an IPv4 socket can be made and whether modules can be loaded (our kernel has
// neither), and on Nitro the heartbeat the enclave owes its parent instance.
#pragma once

namespace vigil::init {

// Prints "VIGIL-INIT: kernel ipv4=absent|present modules=absent|present".
void ReportKernel();

// With /dev/nsm (a Nitro enclave): the launch heartbeat (vsock CID 3, port 9000, one byte
// 0xB7 sent and echoed); without it, says that neither the NSM nor the heartbeat is here.
// Returns false when the heartbeat was due and failed.
bool NitroHeartbeat();

}  // namespace vigil::init
