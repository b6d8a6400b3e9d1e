// Shared assertion for boot tests: the call throws BootError whose message contains `part`.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "boot/boot_error.h"

#define EXPECT_BOOT_ERROR(statement, part)                                              \
  do {                                                                                  \
    try {                                                                               \
      statement;                                                                        \
      ADD_FAILURE() << "expected BootError containing \"" << (part) << "\"";            \
    } catch (const ::vmm::BootError& e) {                                               \
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)                    \
          << "message: " << e.what();                                                   \
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos)                    \
          << "message is not one line: " << e.what();                                   \
    }                                                                                   \
  } while (0)
