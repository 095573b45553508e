// ringfence-supervisor: what a detached sandbox's supervisor becomes once
// the program runs (runtime/src/handover.h). Its own small executable, so
// that a sandbox that runs for days keeps only the supervisor's loop
// resident, not the whole of ringfence.
namespace ringfence::runtime {
int run_handed_over(int argc, char** argv);
}

int main(int argc, char** argv) { return ringfence::runtime::run_handed_over(argc, argv); }
