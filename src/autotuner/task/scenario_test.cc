#include "autotuner/task/scenario.h"

#include <gtest/gtest.h>
