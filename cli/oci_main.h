#pragma once

namespace ringfence::cli {
// `ringfence-oci ARGS` (or `ringfence oci ARGS`): exit code.
int oci_main(int argc, char** argv);
}  // namespace ringfence::cli
