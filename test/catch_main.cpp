// The shared main for the Catch2 unit tests that need no interpreter.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
