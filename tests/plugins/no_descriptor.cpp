// An ordinary shared library that happens to sit in a plugin directory.
extern "C" int stopd_test_not_a_plugin() {
  return 42;
}
