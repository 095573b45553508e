// The parent/child sync channel (runtime/sync.h): one datagram per message,
// fields carried whole or cut to the wire's size, a descriptor passed with
// its message, end-of-file when the peer is gone — and the protocol's
// promise that the child's end closes at exec, so that EOF after "exec"
// means the program started.
#include "ringfence/runtime/sync.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace ringfence::runtime {
namespace {

Message receive_or_fail(int sock) {
  auto r = receive_message(sock);
  EXPECT_TRUE(r.ok()) << r.status().message;
  if (!r.ok() || !r->has_value()) {
    ADD_FAILURE() << "no message";
    return {};
  }
  return **r;
}

TEST(Sync, BothEndsAreCloseOnExec) {
  auto pair = make_sync_pair();
  ASSERT_TRUE(pair.ok()) << pair.status().message;
  EXPECT_TRUE(fcntl(pair->parent.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(fcntl(pair->child.get(), F_GETFD) & FD_CLOEXEC);
}

TEST(Sync, EveryFieldArrivesAsSent) {
  auto pair = make_sync_pair();
  ASSERT_TRUE(pair.ok());
  Message sent;
  sent.kind = MessageKind::StepFailed;
  sent.err = 13;
  sent.step = "mount.volumes";
  sent.text = "open /data: Permission denied";
  sent.number = 4242;
  ASSERT_TRUE(send_message(pair->child.get(), sent).ok());
  const Message got = receive_or_fail(pair->parent.get());
  EXPECT_EQ(got.kind, MessageKind::StepFailed);
  EXPECT_EQ(got.err, 13);
  EXPECT_EQ(got.step, "mount.volumes");
  EXPECT_EQ(got.text, "open /data: Permission denied");
  EXPECT_EQ(got.number, 4242);
  EXPECT_EQ(got.fd, -1) << "no descriptor was sent";
}

// Messages keep their order and their boundaries (SOCK_SEQPACKET): three
// sent before any is read are three reads.
TEST(Sync, MessagesKeepTheirOrderAndBoundaries) {
  auto pair = make_sync_pair();
  ASSERT_TRUE(pair.ok());
  for (auto kind : {MessageKind::Warning, MessageKind::Pid, MessageKind::Exec}) {
    Message m;
    m.kind = kind;
    ASSERT_TRUE(send_message(pair->child.get(), m).ok());
  }
  EXPECT_EQ(receive_or_fail(pair->parent.get()).kind, MessageKind::Warning);
  EXPECT_EQ(receive_or_fail(pair->parent.get()).kind, MessageKind::Pid);
  EXPECT_EQ(receive_or_fail(pair->parent.get()).kind, MessageKind::Exec);
}

// A text longer than the wire's field is cut, ends in a terminator, and the
// next message is not disturbed.
TEST(Sync, ALongTextIsCutNotOverflowed) {
  auto pair = make_sync_pair();
  ASSERT_TRUE(pair.ok());
  Message big;
  big.kind = MessageKind::StepFailed;
  big.step = std::string(1000, 's');
  big.text = std::string(100000, 't');
  ASSERT_TRUE(send_message(pair->child.get(), big).ok());
  Message next;
  next.kind = MessageKind::Go;
  next.text = "after";
  ASSERT_TRUE(send_message(pair->child.get(), next).ok());
  const Message got = receive_or_fail(pair->parent.get());
  EXPECT_GT(got.step.size(), 0u);
  EXPECT_LT(got.step.size(), big.step.size());
  EXPECT_EQ(got.step, std::string(got.step.size(), 's'));
  EXPECT_GT(got.text.size(), 0u);
  EXPECT_LT(got.text.size(), big.text.size());
  EXPECT_EQ(got.text, std::string(got.text.size(), 't'));
  EXPECT_EQ(receive_or_fail(pair->parent.get()).text, "after");
}

// The Listener message carries a descriptor: the receiver gets its own,
// close-on-exec, for the same open file.
TEST(Sync, ADescriptorTravelsWithItsMessage) {
  auto pair = make_sync_pair();
  ASSERT_TRUE(pair.ok());
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  Message m;
  m.kind = MessageKind::Listener;
  ASSERT_TRUE(send_message(pair->child.get(), m, p[1]).ok());
  close(p[1]);
  const Message got = receive_or_fail(pair->parent.get());
  ASSERT_GE(got.fd, 0);
  EXPECT_TRUE(fcntl(got.fd, F_GETFD) & FD_CLOEXEC);
  ASSERT_EQ(write(got.fd, "x", 1), 1);
  close(got.fd);
  char c = 0;
  EXPECT_EQ(read(p[0], &c, 1), 1);
  EXPECT_EQ(c, 'x');
  close(p[0]);
}

// What the peer sent before it went is read first; then end-of-file.
TEST(Sync, APeerThatIsGoneReadsAsEndOfFileAfterItsMessages) {
  auto pair = make_sync_pair();
  ASSERT_TRUE(pair.ok());
  Message m;
  m.kind = MessageKind::Warning;
  m.text = "last words";
  ASSERT_TRUE(send_message(pair->child.get(), m).ok());
  pair->child = Fd();
  EXPECT_EQ(receive_or_fail(pair->parent.get()).text, "last words");
  auto eof = receive_message(pair->parent.get());
  ASSERT_TRUE(eof.ok()) << eof.status().message;
  EXPECT_FALSE(eof->has_value());
}

// A datagram that is not a whole message is an error, not a message.
TEST(Sync, AShortDatagramIsRefused) {
  auto pair = make_sync_pair();
  ASSERT_TRUE(pair.ok());
  ASSERT_EQ(send(pair->child.get(), "short", 5, 0), 5);
  auto r = receive_message(pair->parent.get());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().err, EPROTO);
}

// The protocol: the child says "exec" and execs; its end closes with the
// exec (close-on-exec), so the parent reads Exec, then EOF, and knows the
// program started. The child here execs /bin/true with its end open.
TEST(Sync, EndOfFileAfterExecMeansTheProgramStarted) {
  auto pair = make_sync_pair();
  ASSERT_TRUE(pair.ok());
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pair->parent = Fd();
    Message m;
    m.kind = MessageKind::Exec;
    if (!send_message(pair->child.get(), m).ok()) _exit(1);
    // Still open here; a descriptor without CLOEXEC would outlive the exec
    // and the parent would wait until /bin/sleep ended.
    execl("/bin/sleep", "sleep", "30", nullptr);
    _exit(127);
  }
  pair->child = Fd();
  EXPECT_EQ(receive_or_fail(pair->parent.get()).kind, MessageKind::Exec);
  auto eof = receive_message(pair->parent.get());  // returns at the exec, not after 30 s
  ASSERT_TRUE(eof.ok()) << eof.status().message;
  EXPECT_FALSE(eof->has_value());
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the child ran to the exec and was still running /bin/sleep";
}

}  // namespace
}  // namespace ringfence::runtime
