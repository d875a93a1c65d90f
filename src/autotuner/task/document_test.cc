#include "autotuner/task/document.h"

#include <gtest/gtest.h>
