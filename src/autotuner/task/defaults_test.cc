#include "autotuner/task/defaults.h"

#include <gtest/gtest.h>
